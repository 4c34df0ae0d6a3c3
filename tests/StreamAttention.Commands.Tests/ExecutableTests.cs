using System.Text;
using Confluent.Kafka;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Commands;

namespace StreamAttention.Commands.Tests;

/// <summary>The real <c>streamattention</c> executable (copied next to the tests by the project reference), run as a process.</summary>
public sealed partial class ExecutableTests : IDisposable
{
    private static readonly string Interests = TestFiles.Repository("Silos/StreamAttention.Silo/samples/interests.jsonl").FullName;
    private static readonly string Messages = TestFiles.Repository("Silos/StreamAttention.Silo/samples/messages.jsonl").FullName;

    private readonly TestFiles _files = new();

    [Fact]
    public async Task Score_keeps_stdout_free_of_logs_and_takes_configuration_overrides()
    {
        var defaults = _files.Path("defaults.jsonl").FullName;
        var strict = _files.Path("strict.jsonl").FullName;

        var withDefaults = await Run("score", "--interests", Interests, "--messages", Messages, "--out", defaults);
        var withOverride = await Run("score", "--interests", Interests, "--messages", Messages, "--out", strict, "--Scoring:DefaultThreshold=0.9");

        foreach (var run in new[] { withDefaults, withOverride })
        {
            Assert.Equal(0, run.ExitCode);
            Assert.Equal("", run.Stdout);
            Assert.Contains("score: done: 60 messages (0 bad lines) × 10 interests", run.Stderr);
        }
        Assert.InRange(File.ReadLines(strict).Count(), 0, File.ReadLines(defaults).Count() - 1);
    }

    [Fact]
    public async Task Score_fails_with_exit_code_2_on_a_missing_file_or_a_bad_option_before_loading_any_model()
    {
        var missing = _files.Path("missing.jsonl").FullName;
        // A model that cannot load: the command must not get that far.
        string[] noModel = ["--Embeddings:Provider=transformer", "--Embeddings:Transformer:ModelPath=" + _files.Path("no-model.onnx").FullName,
            "--Embeddings:Transformer:VocabPath=" + _files.Path("no-vocab.txt").FullName];

        var missingFile = await Run(["score", "--interests", missing, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName, .. noModel]);
        var missingDirectory = await Run(["score", "--interests", Interests, "--messages", Messages, "--out", _files.Path("no-such-directory/out.jsonl").FullName, .. noModel]);
        var badOption = await Run("score", "--interests", Interests, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName, "--top-k", "-1");

        Assert.Equal((2, $"score: file not found: {missing}"), (missingFile.ExitCode, missingFile.Stderr.Trim()));
        Assert.Equal((2, $"score: output directory not found: {_files.Path("no-such-directory").FullName}"), (missingDirectory.ExitCode, missingDirectory.Stderr.Trim()));
        Assert.Equal(2, badOption.ExitCode);
        Assert.Contains("--top-k ≥ 0", badOption.Stderr);
        Assert.False(File.Exists(_files.Path("out.jsonl").FullName));
    }

    [Fact]
    public async Task A_silo_given_a_silo_port_another_process_listens_on_stops_with_exit_code_2_naming_it()
    {
        // As a running silo listens: with address reuse, which would let a second silo bind the port beside it.
        using var running = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        running.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, true);
        running.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        running.Listen();
        var port = ((System.Net.IPEndPoint)running.LocalEndPoint!).Port;

        var run = await Run("silo", "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", "--Auth:Enabled=false",
            $"--Cluster:SiloPort={port}", $"--Cluster:GatewayPort={LoopbackPort.Free()}");

        Assert.Equal((2, $"silo: invalid configuration: Cluster:SiloPort {port} is in use on 127.0.0.1 (another silo there? each silo of a machine needs ports of its own)."),
            (run.ExitCode, LastLine(run.Stderr)));
    }

    [Fact]
    public async Task A_silo_given_an_http_address_another_process_listens_on_stops_with_exit_code_2_naming_it()
    {
        using var running = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        running.Start();
        var port = ((System.Net.IPEndPoint)running.LocalEndpoint).Port;

        var run = await Run("silo", "--urls", $"http://127.0.0.1:{port}", "--Auth:Enabled=false",
            $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}");

        // Before the silo starts: a silo that had joined its cluster would stop with its shutdown's warnings and stacks.
        Assert.Equal((2, $"silo: invalid configuration: --urls http://127.0.0.1:{port}: port {port} is in use on 127.0.0.1 (another process listens there)."),
            (run.ExitCode, LastLine(run.Stderr)));
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    [Fact]
    public async Task A_silo_or_ingest_whose_redis_cannot_be_reached_stops_with_exit_code_69_and_one_line_naming_its_address()
    {
        // A loopback port nothing listens on; a short connect timeout keeps the test short.
        var redis = $"127.0.0.1:{LoopbackPort.Free()}";
        string[] cluster = ["--Auth:Enabled=false", "--Cluster:Clustering=redis", $"--Cluster:Redis={redis},connectTimeout=200"];

        var silo = await Run(["silo", "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", .. cluster,
            $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}"]);
        var ingest = await Run(["ingest", "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", .. cluster, $"--Ingest:BootstrapServers=127.0.0.1:{LoopbackPort.Free()}"]);

        // Both ended with exit code 1, "Unhandled exception" and StackExchange.Redis's stack, Orleans' errors before it.
        foreach (var (command, run) in new[] { ("silo", silo), ("ingest", ingest) })
        {
            Assert.Equal(UnreachableDependencyException.ExitCode, run.ExitCode);
            Assert.StartsWith($"{command}: Redis at {redis} (Cluster:Redis) could not be reached: no connection in ", LastLine(run.Stderr));
            Assert.DoesNotContain("   at ", run.Stderr);
            Assert.DoesNotContain("Hosting failed to start", run.Stderr);
        }
    }

    [Fact]
    public async Task Local_stopped_by_SIGTERM_while_it_prepares_its_model_ends_as_a_stop_during_start_up()
    {
        using var local = await StartLocalPreparingItsModel();

        local.Terminate();

        // The runtime's default took the signal before the host did: exit code 143, nothing said.
        Assert.Equal(StopDuringStart.ExitCode, await local.WaitForExitAsync(RunTimeout));
        Assert.Equal($"local: {StopDuringStart.Message}", LastLine(await local.StandardErrorAsync()));
    }

    [Fact]
    public async Task Local_given_a_second_signal_while_it_prepares_its_model_ends_at_once_as_the_signal_does()
    {
        using var local = await StartLocalPreparingItsModel();

        // Both pending while it is stopped, so that the second comes before the first's stop could end the process.
        local.Stop();
        local.Interrupt();
        local.Terminate();
        local.Continue();

        // Every signal was taken as a stop: an operator's second Ctrl+C could not end a preparation slow to stop.
        Assert.Contains(await local.WaitForExitAsync(RunTimeout), new[] { 130, 143 });
    }

    /// <summary>
    /// <c>local --kafka-port N</c>: its embedded Kafka is reached at 127.0.0.1:N, which its metadata advertises, its
    /// banner prints and its own ingest reads from (a message produced there is processed).
    /// </summary>
    [Fact]
    public async Task Local_given_a_kafka_port_serves_its_embedded_Kafka_there_and_names_it()
    {
        var port = LoopbackPort.Free();
        var bootstrap = $"127.0.0.1:{port}";
        using var local = await SiloProcess.StartLocalAsync("local", "--kafka-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            Assert.Equal([("127.0.0.1", port)], metadata.Brokers.Select(b => (b.Host, b.Port)));
            Assert.Contains("streamattention.messages", metadata.Topics.Select(t => t.Topic));
        }
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build())
        {
            await producer.ProduceAsync("streamattention.messages", new Message<Null, string> { Value = """{"id": "m-1", "text": "a message for the ingest"}""" });
        }
        var processed = 0.0;
        using (var waiting = new CancellationTokenSource(RunTimeout))
        {
            while ((processed = IngestMessages(await local.Http.GetStringAsync("/metrics", waiting.Token))) < 1)
            {
                await Task.Delay(200, waiting.Token);
            }
        }
        var (exitCode, log) = await local.TerminateAsync();

        Assert.Equal(1, processed);
        Assert.Equal(0, exitCode);
        Assert.Contains($"  Kafka            {bootstrap} (embedded, in memory)", log);
    }

    private static double IngestMessages(string metrics) => System.Text.RegularExpressions.Regex
        .Matches(metrics, @"^streamattention_ingest_messages_total\{[^}]*\} (?<count>\S+)", System.Text.RegularExpressions.RegexOptions.Multiline)
        .Sum(m => double.Parse(m.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Local_refuses_a_kafka_port_in_use_out_of_range_or_with_a_real_Kafka_in_one_line_with_exit_code_2()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, LoopbackPort.Free());
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] ports = ["--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}"];

        var inUse = await Run(["local", .. ports, "--kafka-port", port]);
        var outOfRange = await Run(["local", .. ports, "--kafka-port", "65536"]);
        var withRealKafka = await Run(["local", .. ports, "--kafka-port", port, "--kafka", "127.0.0.1:9"]);

        Assert.Equal((2, $"local: --kafka-port {port} is in use on 127.0.0.1 (by another local? leave the option out for a free port)"),
            (inUse.ExitCode, LastLine(inUse.Stderr)));
        Assert.Equal((2, "local: --kafka-port must be 1–65535"), (outOfRange.ExitCode, LastLine(outOfRange.Stderr)));
        Assert.Equal((2, "local: --kafka-port is the embedded Kafka's port; it does not go with --kafka"), (withRealKafka.ExitCode, LastLine(withRealKafka.Stderr)));
        Assert.All(new[] { inUse, outOfRange, withRealKafka }, run => Assert.DoesNotContain("   at ", run.Stderr));
    }

    /// <summary>
    /// <c>local</c> distilling its table into a cache of the test's own (minutes; no whole words: GloVe is not fetched),
    /// returned once the table's partial file is there: a signal then comes before local builds its host.
    /// </summary>
    private async Task<ChildProcess> StartLocalPreparingItsModel()
    {
        var cache = _files.Path("models").FullName;
        var local = ChildProcess.StartStreamAttention("local", "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", "--rate", "0",
            $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}", $"--Embeddings:MiniLm:ModelDirectory={cache}",
            $"--Embeddings:Distilled:ModelDirectory={cache}", $"--Embeddings:WordVectors:ModelDirectory={cache}", "--Embeddings:Distilled:WholeWords=0");
        try
        {
            using var waiting = new CancellationTokenSource(RunTimeout);
            while (!Directory.Exists(cache) || !Directory.EnumerateFiles(cache, "minilm-distilled.*.partial").Any())
            {
                await Task.Delay(100, waiting.Token);
            }
            return local;
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task Silo_stopped_by_SIGTERM_while_it_prepares_its_model_ends_as_a_stop_during_start_up_before_the_model_is_written()
    {
        // A cache of the test's own, where the table takes minutes to distil (no whole words: GloVe is not fetched).
        var cache = _files.Path("models").FullName;
        using var silo = ChildProcess.StartStreamAttention("silo", "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", "--Auth:Enabled=false",
            $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}", $"--Embeddings:MiniLm:ModelDirectory={cache}",
            $"--Embeddings:Distilled:ModelDirectory={cache}", $"--Embeddings:WordVectors:ModelDirectory={cache}", "--Embeddings:Distilled:WholeWords=0");
        using (var waiting = new CancellationTokenSource(RunTimeout))
        {
            while (!Directory.Exists(cache) || !Directory.EnumerateFiles(cache, "minilm-distilled.*.partial").Any())
            {
                await Task.Delay(100, waiting.Token);
            }
        }

        silo.Terminate();

        // The host's container distilled the table, deaf to the stop, and the silo exited once the table was written
        // (minutes later: a pod is killed first). Now it exits before the table could be finished, its partial file deleted.
        Assert.Equal(StopDuringStart.ExitCode, await silo.WaitForExitAsync(RunTimeout));
        Assert.Empty(Directory.EnumerateFiles(cache, "minilm-distilled.*"));
        Assert.Equal($"silo: {StopDuringStart.Message}", LastLine(await silo.StandardErrorAsync()));
    }

    [Fact]
    public async Task Score_takes_the_interest_limits_the_service_is_configured_with()
    {
        var interests = _files.Write("interests.jsonl", TestFiles.Json(new { id = "long", text = string.Join(' ', Enumerable.Repeat("kafka broker outage", 80)) })).FullName;
        string[] score = ["score", "--interests", interests, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName];

        var withDefaults = await Run(score);
        var withLongerTexts = await Run([.. score, "--Interests:MaxTextLength=2000"]);

        Assert.Contains("interests.jsonl:1: skipped: field 'text': text has 1599 characters; at most 1000 are allowed", withDefaults.Stderr);
        Assert.Contains("score: 1 interests (0 bad lines", withLongerTexts.Stderr);
    }

    [Fact]
    public async Task Kafka_dev_refuses_a_broker_or_partition_count_out_of_range_in_its_own_words()
    {
        var noBrokers = await Run("kafka-dev", "--brokers", "0");
        var tooManyBrokers = await Run("kafka-dev", "--brokers", "17");
        var noPartitions = await Run("kafka-dev", "--partitions", "0");

        Assert.All(new[] { noBrokers, tooManyBrokers, noPartitions }, run =>
            Assert.Equal((2, "", "kafka-dev: --brokers must be 1–16 and --partitions 1–10,000"), (run.ExitCode, run.Stdout, run.Stderr.Trim())));
    }

    [Fact]
    public async Task Eval_checks_every_sets_files_before_preparing_or_loading_a_model_or_evaluating_a_set()
    {
        var set = TestFiles.Repository("tests/data/eval").FullName;
        var missingSet = _files.Path("no-set").FullName;
        var missingSplit = _files.Path("split.jsonl").FullName;
        var calibrated = _files.Path("no-such-directory/calibrated.jsonl");
        string[] noModel = ["--Embeddings:Provider=transformer", "--Embeddings:Transformer:ModelPath=" + _files.Path("no-model.onnx").FullName,
            "--Embeddings:Transformer:VocabPath=" + _files.Path("no-vocab.txt").FullName];

        var secondSetMissing = await Run(["eval", "--set", set, "--set", missingSet, .. noModel]);
        var splitMissing = await Run(["eval", "--set", set, "--split", "dev", "--split-file", missingSplit, .. noModel]);
        var calibratedWithoutDirectory = await Run(["eval", "--set", set, "--calibrated-out", calibrated.FullName, .. noModel]);

        Assert.Equal((2, "", $"eval: file not found: {Path.Combine(missingSet, "interests.jsonl")}"),
            (secondSetMissing.ExitCode, secondSetMissing.Stdout, secondSetMissing.Stderr.Trim()));
        Assert.Equal((2, "", $"eval: file not found: {missingSplit}"), (splitMissing.ExitCode, splitMissing.Stdout, splitMissing.Stderr.Trim()));
        Assert.Equal((2, "", $"eval: output directory not found: {calibrated.DirectoryName}"),
            (calibratedWithoutDirectory.ExitCode, calibratedWithoutDirectory.Stdout, calibratedWithoutDirectory.Stderr.Trim()));
    }

    [Fact]
    public async Task Settings_read_before_any_host_are_checked_as_a_host_checks_them()
    {
        // setup would otherwise distil for minutes before the table's dimension failed; score took a negative keyword limit.
        var setup = await Run("setup", "--Embeddings:Distilled:Dimension=0", "--Embeddings:Distilled:ModelDirectory=" + _files.Path("models").FullName);
        var score = await Run("score", "--interests", Interests, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName, "--Interests:MaxKeywords=-5");

        // Named by their keys, as the host names what it refuses (they named the .NET member alone: "The field Dimension …").
        Assert.Equal((2, "setup: invalid configuration: Embeddings:Distilled:Dimension: The field Dimension must be between 8 and 384."), (setup.ExitCode, LastLine(setup.Stderr)));
        Assert.False(Directory.Exists(_files.Path("models").FullName));
        Assert.Equal(2, score.ExitCode);
        Assert.StartsWith("score: invalid configuration: Interests:MaxKeywords: The field MaxKeywords must be between", LastLine(score.Stderr));
    }

    /// <summary>
    /// Mistakes an operator makes in a silo's settings, each of which the silo took: a number for an enum (a silo of an
    /// undefined tier, calibration or engine ran as whichever the code's comparisons fell to; clustering or storage failed
    /// its start with a dependency-injection stack), an override's quota of 0 (every write of the tenant refused), a relative
    /// OTLP endpoint (the exporter's unhandled exception), a membership setting Orleans refuses (its stack), a section read
    /// before the host (the .NET member named, not the key).
    /// </summary>
    [Theory]
    [InlineData("--Scoring:Tier=7", "Scoring:Tier: The field Tier must be Fast, Cascade or Contextual.")]
    [InlineData("--Scoring:Calibration=9", "Scoring:Calibration: The field Calibration must be Background or None.")]
    [InlineData("--Cluster:Clustering=5", "Cluster:Clustering: The field Clustering must be Localhost or Redis.")]
    [InlineData("--Tenants:Overrides:acme:MaxUsers=0", "Tenants:Overrides:acme:MaxUsers: The field MaxUsers must be between 1 and 2147483647.")]
    // A tenant's name is a configuration key: a ',' in it split the key in two ("Tenants:Overrides:a, Tenants:b:MaxUsers"),
    // also where what follows it is a property's name ("Tenants:Overrides:acme, Tenants:MaxUsers:MaxUsers"), a "'" left the
    // validator's whole sentence ("DataAnnotation validation failed for 'TenantQuotaOptions' members: …").
    [InlineData("--Tenants:Overrides:a,b:MaxUsers=0", "Tenants:Overrides:a,b:MaxUsers: The field MaxUsers must be between 1 and 2147483647.")]
    [InlineData("--Tenants:Overrides:acme,MaxUsers:MaxUsers=0", "Tenants:Overrides:acme,MaxUsers:MaxUsers: The field MaxUsers must be between 1 and 2147483647.")]
    [InlineData("--Tenants:Overrides:o'neil:MaxUsers=0", "Tenants:Overrides:o'neil:MaxUsers: The field MaxUsers must be between 1 and 2147483647.")]
    [InlineData("--Telemetry:OtlpEndpoint=collector:4317", "Telemetry:OtlpEndpoint must be an absolute http or https URL (http://127.0.0.1:4317), not 'collector:4317'.")]
    [InlineData("--Cluster:Membership:ProbeTimeout=-00:00:01", "Cluster:Membership:ProbeTimeout (-00:00:01) must be greater than 0.")]
    // Orleans checks its timeouts, not its counts: a silo started with this one.
    [InlineData("--Cluster:Membership:NumMissedProbesLimit=0", "Cluster:Membership:NumMissedProbesLimit must be at least 1.")]
    [InlineData("--Cluster:Membership:NumVotesForDeathDeclaration=-1", "Cluster:Membership:NumVotesForDeathDeclaration must be at least 1.")]
    [InlineData("--Cluster:SiloPort=0", "Cluster:SiloPort: The field SiloPort must be between 1 and 65535.")]
    public async Task A_silo_setting_mistyped_by_an_operator_stops_the_silo_at_its_start_with_one_line_naming_the_key(string setting, string refusal)
    {
        var port = LoopbackPort.Free();

        var silo = await Run("silo", "--urls", $"http://127.0.0.1:{port}", "--Auth:Enabled=false", "--Cluster:SiloPort=" + LoopbackPort.Free(),
            "--Cluster:GatewayPort=" + LoopbackPort.Free(), setting);

        Assert.Equal((2, $"silo: invalid configuration: {refusal}"), (silo.ExitCode, LastLine(silo.Stderr)));
        Assert.DoesNotContain("Unhandled exception", silo.Stderr);
        Assert.DoesNotContain("Hosting failed to start", silo.Stderr);
    }

    /// <summary>
    /// librdkafka settings an operator mistypes, which reach librdkafka as they are. A producer setting it refuses stopped
    /// the silo and the ingest with Confluent.Kafka's exception, its stack and exit code 1; a consumer setting was refused
    /// only as the pipeline started (a silo had joined its cluster; the ingest waited for a silo first, up to
    /// Cluster:MaxWaitForSilo); message.max.bytes=20000abc, which librdkafka reads as 20000, was read as the default 1000000
    /// where dead letters are cut to fit it, and the silo started.
    /// </summary>
    [Theory]
    [InlineData("silo", "--Ingest:Consumer:sesion.timeout.ms=10000", "Ingest:Consumer:sesion.timeout.ms: librdkafka refused it: No such configuration property: \"sesion.timeout.ms\"")]
    [InlineData("ingest", "--Ingest:Consumer:session.timeout.ms=abc", "Ingest:Consumer:session.timeout.ms: librdkafka refused it: Invalid value for configuration property \"session.timeout.ms\"")]
    [InlineData("silo", "--Ingest:Producer:linger.ms=abc", "Ingest:Producer:linger.ms: librdkafka refused it: Invalid value for configuration property \"queue.buffering.max.ms\"")]
    [InlineData("ingest", "--Ingest:Producer:linger.ms=abc", "Ingest:Producer:linger.ms: librdkafka refused it: Invalid value for configuration property \"queue.buffering.max.ms\"")]
    [InlineData("silo", "--Ingest:Producer:message.max.bytes=20000abc", "Ingest:Producer:message.max.bytes must be a whole number of bytes in decimal (dead letters are cut to fit it), not '20000abc'.")]
    public async Task A_kafka_client_setting_mistyped_by_an_operator_stops_the_silo_or_ingest_at_its_start_with_one_line_naming_the_key(string command, string setting, string refusal)
    {
        string[] node = command == "silo"
            ? ["--Ingest:Enabled=true", $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}"]
            : ["--Cluster:MaxWaitForSilo=00:00:01", $"--Cluster:GatewayPort={LoopbackPort.Free()}"];

        var run = await Run([command, "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", "--Auth:Enabled=false", .. node,
            $"--Ingest:BootstrapServers=127.0.0.1:{LoopbackPort.Free()}", setting]);

        Assert.Equal((2, $"{command}: invalid configuration: {refusal}"), (run.ExitCode, LastLine(run.Stderr)));
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.DoesNotContain("Hosting failed to start", run.Stderr);
    }

    [Fact]
    public async Task Configuration_that_a_host_refuses_or_a_mistyped_option_stops_the_command_with_exit_code_2_and_one_line_naming_it()
    {
        string[] score = ["score", "--interests", Interests, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName];

        var notANumber = await Run([.. score, "--Scoring:DefaultThreshold=abc"]);
        var outOfRange = await Run([.. score, "--Scoring:DefaultThreshold=7"]);
        var noSuchProvider = await Run([.. score, "--Embeddings:Provider=bogus"]);
        var badAddress = await Run("silo", "--urls", "notaurl", "--Auth:Enabled=false", "--Cluster:SiloPort=" + LoopbackPort.Free(), "--Cluster:GatewayPort=" + LoopbackPort.Free());
        var deadlinePastTimeout = await Run("silo", "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", "--Auth:Enabled=false", "--Cluster:SiloPort=" + LoopbackPort.Free(),
            "--Cluster:GatewayPort=" + LoopbackPort.Free(), "--Decisions:AnswerDeadline=00:05:00");

        Assert.Equal((2, "score: invalid configuration: Scoring:DefaultThreshold is 'abc'; it takes a number with a point for decimals (0.75)"),
            (notANumber.ExitCode, LastLine(notANumber.Stderr)));
        Assert.Equal((2, "score: invalid configuration: Scoring:DefaultThreshold: The field DefaultThreshold must be between 0 exclusive and 1."),
            (outOfRange.ExitCode, LastLine(outOfRange.Stderr)));
        Assert.Equal((2, "score: invalid configuration: Embeddings:Provider must be 'glove', 'distilled', 'minilm', 'transformer', not 'bogus'."),
            (noSuchProvider.ExitCode, LastLine(noSuchProvider.Stderr)));
        Assert.Equal((2, "silo: invalid configuration: Invalid url: 'notaurl'"), (badAddress.ExitCode, LastLine(badAddress.Stderr)));
        Assert.Equal((2, "silo: invalid configuration: Decisions:AnswerDeadline must be below Cluster:ResponseTimeout (00:00:30): past it Orleans gives up "
            + "on a user's call first, and a hung user is never told apart."), (deadlinePastTimeout.ExitCode, LastLine(deadlinePastTimeout.Stderr)));
        Assert.All(new[] { notANumber, outOfRange, noSuchProvider, badAddress, deadlinePastTimeout }, run => Assert.DoesNotContain("Unhandled exception", run.Stderr));
        // Nor the host's own report of the failed start, with its stack, before the line.
        Assert.All(new[] { notANumber, outOfRange, noSuchProvider, badAddress, deadlinePastTimeout }, run => Assert.DoesNotContain("Hosting failed to start", run.Stderr));
        // A mistyped option is not taken for a setting that nothing reads (local would otherwise start and run).
        var mistyped = await Run("local", "--rates", "10");
        Assert.Equal((2, "local: unknown option '--rates' (--help lists the options; a setting is --Section:Key=value)"), (mistyped.ExitCode, LastLine(mistyped.Stderr)));
        Assert.False(File.Exists(_files.Path("out.jsonl").FullName));
    }

    [Fact]
    public async Task Model_files_that_cannot_be_used_or_a_cache_that_cannot_be_written_stop_the_command_with_one_line_naming_them()
    {
        var notAModel = _files.Path("model.onnx");
        File.WriteAllText(notAModel.FullName, "not an onnx model");
        var vocabulary = _files.Path("vocab.txt");
        File.WriteAllLines(vocabulary.FullName, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "kafka"]);
        var aFile = _files.Path("cache-is-a-file");
        File.WriteAllText(aFile.FullName, "");

        var transformer = await Run("score", "--interests", Interests, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName,
            "--Embeddings:Provider=transformer", "--Embeddings:Transformer:ModelPath=" + notAModel.FullName, "--Embeddings:Transformer:VocabPath=" + vocabulary.FullName);
        var cache = await Run("setup", "--Embeddings:Provider=glove", "--Embeddings:WordVectors:ModelDirectory=" + Path.Combine(aFile.FullName, "models"));

        Assert.Equal(2, transformer.ExitCode);
        Assert.StartsWith($"score: invalid configuration: Embeddings:Transformer:ModelPath {notAModel.FullName} with VocabPath {vocabulary.FullName} cannot be used: ",
            LastLine(transformer.Stderr));
        Assert.Equal(2, cache.ExitCode);
        Assert.StartsWith($"setup: invalid configuration: the model cache cannot be written at {Path.Combine(aFile.FullName, "models")} (", LastLine(cache.Stderr));
        Assert.All(new[] { transformer, cache }, run => Assert.DoesNotContain("Unhandled exception", run.Stderr));
    }

    [Fact]
    public async Task A_setting_that_nothing_reads_is_warned_about_on_stderr_and_the_command_runs_all_the_same()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        var run = await Run("token", "--role", "operator", "--Auth:SigningKey=" + key, "--Embeddings:Providr=glove",
            "--Embeddings:Transformer:VocabularyPath", "vocab.txt", "--Logging:LogLevel:Default=Warning");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("ey", run.Stdout);
        Assert.Equal(
            [
                "token: warning: setting 'Embeddings:Providr' is read by nothing (did you mean 'Embeddings:Provider'?)",
                "token: warning: setting 'Embeddings:Transformer:VocabularyPath' is read by nothing (did you mean 'Embeddings:Transformer:VocabPath'?)",
            ],
            run.Stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Score_reads_unprefixed_variables_and_the_environments_settings_file_as_the_web_hosts_do_and_warns_of_their_typos()
    {
        string[] score = ["score", "--interests", Interests, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName];
        // Beside the executable, as the hosts read it, for an environment of this test's own: no other test reads it.
        var environmentName = $"Test{Guid.NewGuid():N}";
        var environmentSettings = new FileInfo(Path.Combine(AppContext.BaseDirectory, $"appsettings.{environmentName}.json"));
        File.WriteAllText(environmentSettings.FullName, """{ "Scoring": { "DefaultThreshold": 0.9, "DefaultTreshold": 0.9 } }""");
        try
        {
            var withDefaults = await Run(score);
            var defaults = File.ReadLines(_files.Path("out.jsonl").FullName).Count();
            var withEnvironmentFile = await Run(new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = environmentName }, score);
            var fromEnvironmentFile = File.ReadLines(_files.Path("out.jsonl").FullName).Count();
            var withUnprefixed = await Run(new Dictionary<string, string> { ["Scoring__DefaultThreshold"] = "0.9", ["Scoring__Teir"] = "Fast" }, score);
            var fromUnprefixed = File.ReadLines(_files.Path("out.jsonl").FullName).Count();

            Assert.All(new[] { withDefaults, withEnvironmentFile, withUnprefixed }, run => Assert.Equal(0, run.ExitCode));
            Assert.InRange(fromEnvironmentFile, 0, defaults - 1);
            Assert.Equal(fromEnvironmentFile, fromUnprefixed);
            Assert.Contains($"score: warning: setting 'Scoring:DefaultTreshold' (in {environmentSettings.FullName}) is read by nothing (did you mean 'Scoring:DefaultThreshold'?)",
                withEnvironmentFile.Stderr.Split('\n'));
            Assert.Contains("score: warning: setting 'Scoring:Teir' (environment variable Scoring__Teir) is read by nothing (did you mean 'Scoring:Tier'?)",
                withUnprefixed.Stderr.Split('\n'));
        }
        finally
        {
            environmentSettings.Delete();
        }
    }

    [Fact]
    public async Task A_value_that_does_not_convert_to_its_keys_type_stops_every_command_with_one_line_naming_the_key_and_what_it_takes()
    {
        var signingKey = "--Auth:SigningKey=" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var urls = $"http://127.0.0.1:{LoopbackPort.Free()}";

        var score = await Run("score", "--interests", Interests, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName, "--Scoring:CascadeModelTimeWindow=10s");
        var eval = await Run("eval", "--set", TestFiles.Repository("tests/data/eval").FullName, "--Onnx:IntraOpSpinning=yes");
        var silo = await Run(new Dictionary<string, string> { ["Auth__Enabled"] = "yes" }, "silo", "--urls", urls);
        var local = await Run(new Dictionary<string, string> { ["STREAMATTENTION_Ingest__MaxBatchWait"] = "50ms" }, "local", "--urls", urls);
        var ingest = await Run("ingest", "--urls", urls, "--Auth:Enabled=false", "--Ingest:MaxBatchWait=50ms");
        // A command that does not bind the key: it used to run, leaving the value to fail the first command that binds it.
        var token = await Run("token", "--role", "operator", signingKey, "--Ingest:MaxBatchWait=50ms");

        const string timeSpan = "it takes a time span written [d.]hh:mm:ss[.fffffff] (00:00:00.050 for 50 ms, 1.00:00:00 for a day)";
        Assert.Equal(
            [
                (2, "", $"score: invalid configuration: Scoring:CascadeModelTimeWindow is '10s'; {timeSpan}"),
                (2, "", "eval: invalid configuration: Onnx:IntraOpSpinning is 'yes'; it takes true or false"),
                (2, "", "silo: invalid configuration: Auth:Enabled is 'yes'; it takes true or false"),
                (2, "", $"local: invalid configuration: Ingest:MaxBatchWait is '50ms'; {timeSpan}"),
                (2, "", $"ingest: invalid configuration: Ingest:MaxBatchWait is '50ms'; {timeSpan}"),
                (2, "", $"token: invalid configuration: Ingest:MaxBatchWait is '50ms'; {timeSpan}"),
            ],
            new[] { score, eval, silo, local, ingest, token }.Select(run => (run.ExitCode, run.Stdout, run.Stderr.Trim())));
        Assert.False(File.Exists(_files.Path("out.jsonl").FullName));
    }

    /// <summary>The command's own line: the one it prints after the host's log lines (which it does not repeat).</summary>
    private static string LastLine(string text) => text.TrimEnd().Split('\n').Last(line => !LogLine().IsMatch(line));

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d\d:\d\d:\d\d (trce|dbug|info|warn|fail|crit): ")]
    private static partial System.Text.RegularExpressions.Regex LogLine();

    [Fact]
    public async Task Token_prints_a_token_the_silos_accept_signed_with_the_configured_key_and_says_what_it_needs()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        var issued = await Run("token", "--role", "tenant-admin", "--tenant", "acme", "--lifetime", "01:00:00", "--Auth:SigningKey=" + key);
        var withoutKey = await Run("token", "--role", "operator");
        var userWithoutId = await Run("token", "--role", "user", "--Auth:SigningKey=" + key);

        Assert.Equal(0, issued.ExitCode);
        // As the silos validate it (issuer and audience "streamattention", HMAC-SHA256 with the shared key).
        var validation = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ValidateTokenAsync(issued.Stdout.Trim(), new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            ValidIssuer = "streamattention",
            ValidAudience = "streamattention",
            IssuerSigningKey = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Convert.FromBase64String(key)),
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(("tenant-admin", "acme"), ((string)validation.Claims["role"], (string)validation.Claims["tenant"]));
        Assert.InRange(validation.SecurityToken.ValidTo - validation.SecurityToken.ValidFrom, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
        Assert.Equal((2, ""), (withoutKey.ExitCode, withoutKey.Stdout));
        Assert.StartsWith("token: Auth:SigningKey is not set", withoutKey.Stderr);
        Assert.Equal((2, "token: --user is required for a user's token."), (userWithoutId.ExitCode, userWithoutId.Stderr.Trim()));
    }

    [Fact]
    public async Task Eval_takes_a_set_directory_for_its_three_files_or_says_what_it_needs()
    {
        var set = TestFiles.Repository("tests/data/eval").FullName;

        var withSet = await Run("eval", "--set", set, "--split", "test");
        var withNothing = await Run("eval", "--split", "test");

        Assert.Equal(0, withSet.ExitCode);
        Assert.Contains("split test: 225 of 469 messages", withSet.Stdout);
        Assert.NotEqual(0, withNothing.ExitCode);
        Assert.Contains("eval needs --set DIR, or --interests, --messages and --labels.", withNothing.Stderr);
    }

    [Fact]
    public async Task Eval_data_fails_with_exit_code_2_without_the_wordnet_files()
    {
        var missing = _files.Path("no-wordnet").FullName;

        var run = await Run("eval-data", "wordnet", "--wordnet", missing, "--out", _files.Path("set").FullName);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("eval-data: Could not find", run.Stderr);
        Assert.False(Directory.Exists(_files.Path("set").FullName));
    }

    public void Dispose() => _files.Dispose();

    /// <summary>A command takes seconds; the bound only stops one that would hang.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Replay_dead_letters_produces_the_chosen_reason_back_to_the_source_topic_up_to_max_replays_exits_3_for_what_it_left_and_refuses_an_unknown_reason()
    {
        await using var kafka = await DeadLettersAsync(("m-1", "decision-failed", null), ("m-2", "malformed-json", null), ("m-3", "decision-failed", "2"));

        var replay = await Run("replay-dead-letters", "--kafka", kafka.BootstrapServers, "--reason", "decision-failed", "--max-replays", "2");
        var unknown = await Run("replay-dead-letters", "--kafka", kafka.BootstrapServers, "--reason", "decision-faild");

        Assert.Equal((ReplayDeadLettersCommand.LeftInTopicExitCode, "replayed 1 of 3 dead letters read (decision-failed 1); passed over 1; left after 2 replays 1"), (replay.ExitCode, replay.Stdout.Trim()));
        Assert.Contains("was replayed 2 times, the most allowed", replay.Stderr);
        Assert.Contains("1 dead letters were left in the topic after 2 replays", replay.Stderr);
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "check" }).Build();
        Assert.Equal(1, consumer.QueryWatermarkOffsets(new TopicPartition(SourceTopic, 0), TimeSpan.FromSeconds(10)).High.Value);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("'decision-faild' is not a dead-letter reason", unknown.Stderr);
    }

    /// <summary>Refused before any broker is asked: the line names the option as typed, not the options class and its members.</summary>
    [Fact]
    public async Task Replay_dead_letters_names_the_command_line_option_it_refuses()
    {
        var unknownReason = await Run("replay-dead-letters", "--kafka", "127.0.0.1:9", "--reason", "decision-faild");
        var noReplays = await Run("replay-dead-letters", "--kafka", "127.0.0.1:9", "--max-replays", "0");

        Assert.Equal((2, $"replay-dead-letters: --reason: 'decision-faild' is not a dead-letter reason; they are: {string.Join(", ", DeadLetterReasons.All)}"),
            (unknownReason.ExitCode, unknownReason.Stderr.Trim()));
        Assert.Equal((2, "replay-dead-letters: --max-replays: must be between 1 and 10000"), (noReplays.ExitCode, noReplays.Stderr.Trim()));
    }

    /// <summary>
    /// A later build's dead letter, or an output record produced to the dead-letter topic by mistake, was replayed as a
    /// dead letter of this build: now it is left, each schema named with its count, and the run exits 3 as for what
    /// --max-replays leaves. A dead letter without the header (an earlier build's) is replayed.
    /// </summary>
    [Fact]
    public async Task Replay_dead_letters_leaves_records_of_a_schema_it_does_not_know_names_each_with_its_count_and_exits_3()
    {
        await using var kafka = await DeadLettersAsync(("m-1", "decision-failed", null));
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            foreach (var (value, schema) in new[] { ("m-2", "dead-letter/2"), ("m-3", "dead-letter/2"), ("m-4", "match/1") })
            {
                var headers = new Headers { { "streamattention-schema", Encoding.ASCII.GetBytes(schema) }, { "streamattention-error", "decision-failed"u8.ToArray() },
                    { "streamattention-source-topic", Encoding.UTF8.GetBytes(SourceTopic) } };
                await producer.ProduceAsync("streamattention.dead-letters", new Message<string, string> { Key = value, Value = value, Headers = headers });
            }
        }

        var replay = await Run("replay-dead-letters", "--kafka", kafka.BootstrapServers);

        Assert.Equal((ReplayDeadLettersCommand.LeftInTopicExitCode, "replayed 1 of 4 dead letters read (decision-failed 1); passed over 0; left of an unknown schema 3"),
            (replay.ExitCode, replay.Stdout.Trim()));
        Assert.Contains("replay-dead-letters: 2 records of schema dead-letter/2 were left in the topic", replay.Stderr);
        Assert.Contains("replay-dead-letters: 1 records of schema match/1 were left in the topic", replay.Stderr);
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "check" }).Build();
        Assert.Equal(1, consumer.QueryWatermarkOffsets(new TopicPartition(SourceTopic, 0), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>
    /// The replay's librdkafka settings (the ingest's, from configuration) are checked before any broker is asked, as the
    /// silo's and the ingest's are; a mistyped one stopped it with Confluent.Kafka's exception and its stack.
    /// </summary>
    [Fact]
    public async Task Replay_dead_letters_refuses_a_mistyped_kafka_setting_with_exit_code_2_and_one_line_naming_the_key()
    {
        var consumer = await Run(new Dictionary<string, string> { ["Ingest__Consumer__sesion.timeout.ms"] = "10000" }, "replay-dead-letters", "--kafka", "127.0.0.1:9");
        var producer = await Run("replay-dead-letters", "--kafka", "127.0.0.1:9", "--kafka-setting", "linger.ms=abc");

        Assert.Equal((2, "replay-dead-letters: Ingest:Consumer:sesion.timeout.ms: librdkafka refused it: No such configuration property: \"sesion.timeout.ms\""),
            (consumer.ExitCode, consumer.Stderr.Trim()));
        // Both clients take it, and refuse it: one line, once.
        Assert.Equal((2, "replay-dead-letters: --kafka-setting linger.ms: librdkafka refused it: Invalid value for configuration property \"queue.buffering.max.ms\""),
            (producer.ExitCode, producer.Stderr.Trim()));
    }

    /// <summary>A dead letter's reason is a header its producer wrote: its control characters reach the terminal escaped.</summary>
    [Fact]
    public async Task Replay_dead_letters_writes_a_reason_with_control_characters_escaped()
    {
        await using var kafka = await DeadLettersAsync(("m-1", "forged\u001b[2J\rreason", null));

        var replay = await Run("replay-dead-letters", "--kafka", kafka.BootstrapServers);

        Assert.Equal((0, "replayed 1 of 1 dead letters read (forged\\u001B[2J\\rreason 1); passed over 0"), (replay.ExitCode, replay.Stdout.Trim()));
    }

    private const string SourceTopic = "streamattention.messages";

    /// <summary>A one-broker cluster with <see cref="SourceTopic"/> and the dead-letter topic, holding these dead letters of <see cref="SourceTopic"/>.</summary>
    private static async Task<EmbeddedKafkaCluster> DeadLettersAsync(params (string Value, string Reason, string? Replays)[] deadLetters)
    {
        const string deadLetterTopic = "streamattention.dead-letters";
        var kafka = EmbeddedKafkaCluster.Start(1);
        kafka.CreateTopic(SourceTopic, 1);
        kafka.CreateTopic(deadLetterTopic, 1);
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        foreach (var (value, reason, replays) in deadLetters)
        {
            var headers = new Headers { { "streamattention-error", Encoding.UTF8.GetBytes(reason) }, { "streamattention-source-topic", Encoding.UTF8.GetBytes(SourceTopic) } };
            if (replays is not null)
            {
                headers.Add("streamattention-replays", Encoding.UTF8.GetBytes(replays));
            }
            await producer.ProduceAsync(deadLetterTopic, new Message<string, string> { Key = value, Value = value, Headers = headers });
        }
        return kafka;
    }

    [Fact]
    public async Task Score_reading_a_stream_that_does_not_end_writes_each_batch_as_it_is_scored_and_stops_on_SIGTERM()
    {
        var messages = _files.Path("messages.fifo").FullName;
        var output = _files.Path("out.jsonl");
        Assert.Equal(0, (await ChildProcess.RunAsync(RunTimeout, "mkfifo", messages)).ExitCode);
        using var score = ChildProcess.StartStreamAttention("score", "--interests", Interests, "--messages", messages, "--out", output.FullName,
            "--batch-size", "1", "--min-score", "-1");
        // Opening the pipe for writing returns once score opens it to read messages: its interests are embedded by then.
        await using var writer = await Task.Run(() => new StreamWriter(new FileStream(messages, FileMode.Open, FileAccess.Write))).WaitAsync(RunTimeout);
        await writer.WriteLineAsync(TestFiles.Json(new { id = "m-1", text = "the primary database failed over to its replica" }));
        await writer.FlushAsync();

        // Every pair is kept: one whole line per interest of the sample file, there while the pipe stays open.
        using (var waiting = new CancellationTokenSource(RunTimeout))
        {
            while (!File.Exists(output.FullName) || File.ReadAllText(output.FullName).Count(c => c == '\n') < 10)
            {
                await Task.Delay(100, waiting.Token);
            }
        }
        score.Terminate();

        // Its host used to take SIGTERM to stop itself, which the reading never watched: it ran on until the pipe closed.
        Assert.Equal(143, await score.WaitForExitAsync(RunTimeout));
        Assert.Equal(10, TestFiles.ReadJsonLines(output).Count(m => m.GetProperty("messageId").GetString() == "m-1"));
        Assert.Contains("score: interrupted: out.jsonl holds the 10 matches of the first 1 messages", await score.StandardErrorAsync());
    }

    [Fact]
    public async Task Score_stopped_by_SIGTERM_before_a_message_was_scored_writes_no_output()
    {
        var messages = _files.Path("messages.fifo").FullName;
        var output = _files.Path("out.jsonl");
        Assert.Equal(0, (await ChildProcess.RunAsync(RunTimeout, "mkfifo", messages)).ExitCode);
        using var score = ChildProcess.StartStreamAttention("score", "--interests", Interests, "--messages", messages, "--out", output.FullName);
        // Opening the pipe for writing returns once score opens it to read messages, and no message comes.
        await using var writer = await Task.Run(() => new StreamWriter(new FileStream(messages, FileMode.Open, FileAccess.Write))).WaitAsync(RunTimeout);

        score.Terminate();

        // It left an empty output, which looked like a run that found no match.
        Assert.Equal(143, await score.WaitForExitAsync(RunTimeout));
        Assert.False(File.Exists(output.FullName));
        Assert.Equal("score: interrupted before a message was scored; out.jsonl not written", LastLine(await score.StandardErrorAsync()));
    }

    [Theory]
    [InlineData("score")]
    [InlineData("eval")]
    public async Task An_offline_command_stopped_by_SIGTERM_while_it_prepares_its_model_deletes_the_partial_files(string command)
    {
        // A cache of the test's own, where the table takes minutes to distil (no whole words: GloVe is not fetched).
        var cache = _files.Path("models").FullName;
        string[] work = command == "score"
            ? ["score", "--interests", Interests, "--messages", Messages, "--out", _files.Path("out.jsonl").FullName]
            : ["eval", "--set", TestFiles.Repository("tests/data/eval").FullName];
        using var child = ChildProcess.StartStreamAttention([.. work, $"--Embeddings:MiniLm:ModelDirectory={cache}", $"--Embeddings:Distilled:ModelDirectory={cache}",
            $"--Embeddings:WordVectors:ModelDirectory={cache}", "--Embeddings:Distilled:WholeWords=0"]);
        using (var waiting = new CancellationTokenSource(RunTimeout))
        {
            while (!Directory.Exists(cache) || !Directory.EnumerateFiles(cache, "minilm-distilled.*.partial").Any())
            {
                await Task.Delay(100, waiting.Token);
            }
        }

        child.Terminate();

        // The signal ended it at once, the table's partial file left in the cache for an hour.
        Assert.Equal(143, await child.WaitForExitAsync(RunTimeout));
        Assert.Contains($"{command}: interrupted while it prepared the model; the partial files it was writing were deleted", await child.StandardErrorAsync());
        Assert.Empty(Directory.EnumerateFiles(cache, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Setup_stopped_by_SIGTERM_says_it_was_interrupted_and_exits_with_an_interruption_code()
    {
        // A cache of the test's own, where the table takes minutes to distil (no whole words: GloVe is not fetched).
        var cache = _files.Path("models").FullName;
        using var setup = ChildProcess.StartStreamAttention("setup", $"--Embeddings:MiniLm:ModelDirectory={cache}", $"--Embeddings:Distilled:ModelDirectory={cache}",
            $"--Embeddings:WordVectors:ModelDirectory={cache}", "--Embeddings:Distilled:WholeWords=0");
        // The table's partial file is there while it is distilled: the signal comes amid setup's work.
        using (var waiting = new CancellationTokenSource(RunTimeout))
        {
            while (!Directory.Exists(cache) || !Directory.EnumerateFiles(cache, "minilm-distilled.*.partial").Any())
            {
                await Task.Delay(100, waiting.Token);
            }
        }

        setup.Terminate();

        // It used to end at once with 143, nothing said, and the partial file left for an hour.
        Assert.Equal(143, await setup.WaitForExitAsync(RunTimeout));
        Assert.Contains("setup: interrupted; the partial files it was writing were deleted", await setup.StandardErrorAsync());
        Assert.Empty(Directory.EnumerateFiles(cache, "*.partial", SearchOption.AllDirectories));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] arguments)
        => await ChildProcess.RunStreamAttentionAsync(RunTimeout, arguments);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Run(IReadOnlyDictionary<string, string> environment, params string[] arguments)
        => await ChildProcess.RunStreamAttentionAsync(RunTimeout, environment, arguments);
}
