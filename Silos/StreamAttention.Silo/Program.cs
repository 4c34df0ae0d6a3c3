using System.CommandLine;
using StreamAttention.Silo.Commands;

var root = new RootCommand("StreamAttention: a streaming relevance filter that scores messages against users' interests with cross-attention.")
{
    SetupCommand.Create(),
    KafkaDevCommand.Create(),
    ReplayDeadLettersCommand.Create(),
    ScoreCommand.Create(),
    EvalCommand.Create(),
    EvalDataCommand.Create(),
    SiloCommand.Create(),
    IngestCommand.Create(),
    LocalCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
