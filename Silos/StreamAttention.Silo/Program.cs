using System.CommandLine;
using StreamAttention.Silo.Commands;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;

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
    TokenCommand.Create(),
};
var parse = root.Parse(args);
// As early as the command is known: a stop from here on is a stop during start-up, not the runtime's default (143).
using var interruption = CommandInterruption.ForLongRunning(parse.CommandResult.Command);
if (ConfigurationOverrides.FirstUnknown(parse.UnmatchedTokens) is { } unknown)
{
    Console.Error.WriteLine($"{parse.CommandResult.Command.Name}: unknown option '{unknown}' (--help lists the options; a setting is --Section:Key=value)");
    return 2;
}
// Built once for both checks; the command's host reads it again. Not checked when a settings file does not parse: the
// host then stops with the parser's error.
using (var configuration = ConfigurationOverrides.Read(parse.UnmatchedTokens))
{
    if (configuration is not null)
    {
        foreach (var unread in ConfigurationOverrides.UnreadSettings(configuration, Environment.GetEnvironmentVariables(), SettingKeys.OfStreamAttention))
        {
            Console.Error.WriteLine($"{parse.CommandResult.Command.Name}: warning: {unread}");
        }
        if (SettingKeys.OfStreamAttention.FirstValueThatDoesNotConvert(configuration) is { } unconvertible)
        {
            Console.Error.WriteLine($"{parse.CommandResult.Command.Name}: invalid configuration: {unconvertible}");
            return ConfigurationErrors.ExitCode;
        }
    }
}
try
{
    // Without System.CommandLine's handler, which prints any exception's stack: refused configuration is told apart below.
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, interruption?.Token ?? CancellationToken.None);
}
catch (OperationCanceledException) when (interruption?.Token.IsCancellationRequested == true)
{
    // A stop before the command's host was built (local's model preparation): the host's own line, without a host to log it.
    Console.Error.WriteLine($"{parse.CommandResult.Command.Name}: {StopDuringStart.Message}");
    return StopDuringStart.ExitCode;
}
catch (Exception e) when (ConfigurationErrors.Describe(e) is { } problem)
{
    Console.Error.WriteLine($"{parse.CommandResult.Command.Name}: invalid configuration: {problem}");
    return ConfigurationErrors.ExitCode;
}
catch (Exception e) when (UnreachableDependencyException.Describe(e) is { } unreachable)
{
    Console.Error.WriteLine($"{parse.CommandResult.Command.Name}: {unreachable}");
    return UnreachableDependencyException.ExitCode;
}
catch (Exception e)
{
    // As System.CommandLine's handler did: the whole exception and exit code 1, not the runtime's abort (134).
    Console.Error.WriteLine($"Unhandled exception: {e}");
    return 1;
}
