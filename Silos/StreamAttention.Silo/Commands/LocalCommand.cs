using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Options;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Options;
using StreamAttention.Server.Security;
using StreamAttention.Silo.Hosting;
using StreamAttention.Silo.Local;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention local</c>: the whole product in one process on embedded defaults — an embedded Kafka (or a real
/// one with --kafka), one silo with in-memory storage and the HTTP API and dashboard, the ingest pipeline, the demo
/// users' interests and a sample stream. Ctrl-C stops it.
/// </summary>
public static class LocalCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "where the dashboard and HTTP API listen", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var kafka = new Option<string?>("--kafka") { Description = "bootstrap servers of a real Kafka (host:port) instead of the embedded one" };
        var rate = new Option<double>("--rate") { Description = "sample messages per second (0 = no sample stream)", DefaultValueFactory = _ => 5 };
        var partitions = new Option<int>("--partitions") { Description = "partitions of the embedded Kafka's topics", DefaultValueFactory = _ => 8 };
        var kafkaPort = new Option<int?>("--kafka-port") { Description = "port of 127.0.0.1 the embedded Kafka listens on (default: a free one, printed at start)" };
        var command = new Command("local", "Run everything in one process: embedded Kafka, a silo with the dashboard, the ingest pipeline and a sample stream.")
        {
            urls, kafka, rate, partitions, kafkaPort,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(rate) < 0 || parse.GetValue(partitions) < 1)
            {
                Console.Error.WriteLine("local: --rate must be ≥ 0 and --partitions ≥ 1");
                return 2;
            }
            if (parse.GetValue(kafkaPort) is < 1 or > IPEndPoint.MaxPort)
            {
                Console.Error.WriteLine("local: --kafka-port must be 1–65535");
                return 2;
            }
            if (parse.GetValue(kafkaPort) is not null && parse.GetValue(kafka) is not null)
            {
                Console.Error.WriteLine("local: --kafka-port is the embedded Kafka's port; it does not go with --kafka");
                return 2;
            }
            var configuration = StreamAttentionHost.CreateBuilder(parse.UnmatchedTokens).Configuration;
            await ModelPreparation.EnsureAsync(configuration, Console.Error, cancellationToken);
            using var embedded = parse.GetValue(kafka) is null ? TryStartEmbeddedKafka(parse.GetValue(partitions), parse.GetValue(kafkaPort)) : null;
            if (parse.GetValue(kafka) is null && embedded is null)
            {
                return 2;
            }
            var bootstrap = parse.GetValue(kafka) ?? embedded!.BootstrapServers;
            await using var app = Build(parse.UnmatchedTokens, parse.GetValue(urls)!, bootstrap, parse.GetValue(rate), ownsProcess: true);
            if (!await StopDuringStart.StartAsync(app, cancellationToken))
            {
                return StopDuringStart.ExitCode;
            }
            PrintBanner(parse.GetValue(urls)!, bootstrap, embedded is not null, app.Services.GetRequiredService<IOptions<KafkaIngestOptions>>().Value,
                app.Services.GetRequiredService<IOptions<AuthOptions>>().Value, configuredKey: !app.Configuration.GetValue<bool>(KeyMadeForThisStart));
            await app.WaitForShutdownAsync(cancellationToken);
            return StopDuringStart.ExitCode;
        });
        return command;
    }

    private const string SigningKeySetting = "Auth:SigningKey";

    /// <summary>Set beside a signing key made for this start, which the banner says is valid only until the process stops.</summary>
    private const string KeyMadeForThisStart = "Local:SigningKeyMadeForThisStart";

    /// <summary>How long local mode's printed token is valid.</summary>
    public static readonly TimeSpan DemoTokenLifetime = TimeSpan.FromHours(12);

    /// <summary>
    /// The local-mode host: a silo (memory storage, loopback) with ingest enabled, the demo interests and the sample
    /// stream, and a development signing key made for this start (a configured Auth:SigningKey wins).
    /// </summary>
    /// <param name="ownsProcess">
    /// The command's own process: a stop that overruns Cluster:ShutdownTimeout plus Ingest:DrainTimeout ends it (exit code 3,
    /// <see cref="SiloStopDeadline"/>), as the <c>silo</c> command's; a host in another program (a test) is not ended.
    /// </param>
    public static WebApplication Build(IEnumerable<string> configurationArgs, string urls, string bootstrapServers, double messagesPerSecond, bool ownsProcess = false)
    {
        string[] localDefaults =
        [
            "--Ingest:Enabled=true",
            // The demo shows everything; a silo started otherwise mounts the Orleans dashboard only when asked.
            "--Dashboard:OrleansDashboard=true",
            $"--Ingest:BootstrapServers={bootstrapServers}",
            $"--Samples:BootstrapServers={bootstrapServers}",
            $"--Samples:MessagesPerSecond={messagesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        ];
        // The user's own overrides come last, so they win.
        var builder = SiloHost.CreateBuilder(localDefaults.Concat(configurationArgs), urls);
        // Made for this start only where none of the sources the silo reads (appsettings, the environment, the command
        // line) has one: as a command-line default it went over them all.
        if (builder.Configuration[SigningKeySetting] is null)
        {
            builder.Configuration.AddInMemoryCollection([new(SigningKeySetting, TokenIssuer.NewSigningKey()), new(KeyMadeForThisStart, "true")]);
        }
        builder.Services.AddOptions<SampleStreamOptions>().BindConfiguration(SampleStreamOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<DemoInterestsLoader>();
        builder.Services.AddHostedService<SampleStreamGenerator>();
        if (ownsProcess)
        {
            builder.Services.AddHostedService<SiloStopDeadline>();
        }
        return SiloHost.Build(builder);
    }

    /// <summary>The embedded Kafka, or null when <paramref name="port"/> cannot be listened on, which one line on stderr says.</summary>
    private static EmbeddedKafkaCluster? TryStartEmbeddedKafka(int partitions, int? port)
    {
        try
        {
            return StartEmbeddedKafka(partitions, port);
        }
        catch (SocketException e) when (port is not null)
        {
            Console.Error.WriteLine(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"local: --kafka-port {port} is in use on 127.0.0.1 (by another local? leave the option out for a free port)"
                : $"local: --kafka-port {port} cannot be listened on at 127.0.0.1: {e.Message}");
            return null;
        }
    }

    /// <param name="port">The port of 127.0.0.1 it listens on; null: a free one.</param>
    public static EmbeddedKafkaCluster StartEmbeddedKafka(int partitions, int? port = null)
    {
        var cluster = EmbeddedKafkaCluster.Start(firstPort: port);
        try
        {
            foreach (var topic in KafkaDevCommand.DefaultTopics)
            {
                cluster.CreateTopic(topic, partitions);
            }
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
        return cluster;
    }

    /// <summary>An operator token for the demo (the demo users belong to no tenant, so only an operator reaches them), or null when auth is off or tokens come from an OIDC authority.</summary>
    public static string? DemoToken(AuthOptions auth)
        => auth.Enabled && auth.SigningKey is not null ? new TokenIssuer(auth).Issue(Roles.Operator, null, "local-operator", DemoTokenLifetime) : null;

    /// <param name="configuredKey">Whether the signing key is the user's (Auth:SigningKey) rather than the one made for this start.</param>
    private static void PrintBanner(string urls, string bootstrap, bool embedded, KafkaIngestOptions ingest, AuthOptions auth, bool configuredKey)
    {
        var token = DemoToken(auth);
        Console.Error.WriteLine();
        Console.Error.WriteLine($"  StreamAttention local mode is running. Ctrl-C stops it.");
        Console.Error.WriteLine(token is null ? $"  dashboard        {urls.TrimEnd('/')}/" : $"  dashboard        {urls.TrimEnd('/')}/dashboard/#token={token}");
        Console.Error.WriteLine($"  HTTP API         {urls.TrimEnd('/')}/openapi/v1.json");
        Console.Error.WriteLine($"  Kafka            {bootstrap}{(embedded ? " (embedded, in memory)" : "")}");
        Console.Error.WriteLine($"  topics           in: {string.Join(", ", ingest.EffectiveInputTopics)}  out: {ingest.OutputTopic}  notifications: {ingest.NotificationTopic}  digests: {ingest.DigestTopic}  dead letters: {ingest.DeadLetterTopic}");
        if (token is not null)
        {
            Console.Error.WriteLine($"  operator token   {token}");
            var validity = configuredKey ? "signed with the configured Auth:SigningKey" : "until this process stops: the signing key is made per start";
            Console.Error.WriteLine($"                   (valid {DemoTokenLifetime.TotalHours:0} h, {validity}; curl -H \"Authorization: Bearer $TOKEN\" …)");
        }
        Console.Error.WriteLine();
    }
}
