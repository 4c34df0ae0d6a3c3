using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Grains.Shards;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// The monitoring files under <c>Deploy/</c> against the real silo and its ingest: every metric the Grafana dashboard
/// and the alerting rules query is one their <c>/metrics</c> exports, with the labels they group and select by, and, if
/// it is StreamAttention's, an instrument of <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames"/>; the
/// dashboard queries the provisioned data source, and Prometheus accepts the scrape configuration.
/// </summary>
public sealed partial class DeploymentMonitoringTests
{
    private const string PromtoolPath = "/usr/bin/promtool";

    /// <summary>Series Prometheus makes itself for every target; no exporter serves them.</summary>
    private static readonly HashSet<string> PrometheusSeries = ["up", "scrape_duration_seconds", "scrape_samples_scraped"];

    /// <summary>Scrape polls: the demo stream and its dead letter arrive within seconds; the bound only stops a stream that never flows.</summary>
    private const int ScrapePolls = 240;
    private static readonly TimeSpan ScrapePollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Labels Prometheus gives every series of a target; no exporter writes them.</summary>
    private static readonly HashSet<string> TargetLabels = ["instance", "job"];

    [Fact]
    public async Task Alerts_and_dashboards_query_only_metrics_and_labels_the_silo_and_its_ingest_export()
    {
        // `local`: a silo with its ingest in one process, its demo stream of a matching message and a blank one, so the
        // ingest's latency and a dead letter (missing-text) are counted as well as the scoring.
        var samples = Directory.CreateTempSubdirectory("streamattention-monitoring-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(samples.FullName, "interests.jsonl"),
                JsonSerializer.Serialize(new { id = "db", text = Texts.DatabaseInterest, userId = "monitored-user" }) + "\n");
            await File.WriteAllLinesAsync(Path.Combine(samples.FullName, "messages.jsonl"),
                [JsonSerializer.Serialize(new { id = "m1", text = Texts.DatabaseMessage }), JsonSerializer.Serialize(new { id = "m2", text = " " })]);
            using var local = await SiloProcess.StartLocalAsync("monitored", "--Samples:MessagesPerSecond=20", $"--Samples:Directory={samples.FullName}");
            // The readiness checks' gauge appears with the health-check publisher's first report, 5 s after the start.
            var exported = await ScrapeUntilAsync(local.Http,
                PrometheusNames.HistogramBucket(InstrumentNames.IngestLatency, milliseconds: true), PrometheusNames.Counter(InstrumentNames.IngestDeadLetters),
                PrometheusNames.Counter(InstrumentNames.IngestMatches), PrometheusNames.Gauge(InstrumentNames.HealthStatus));

            var root = RepositoryRoot();
            var files = Directory.GetFiles(Path.Combine(root, "Deploy", "grafana", "dashboards"), "*.json")
                .Select(file => (file, expressions: Expressions(JsonNode.Parse(File.ReadAllText(file))!).ToList()))
                .Append((Path.Combine(root, "Deploy", "prometheus", "alerts.yml"), RuleExpressions(File.ReadAllLines(Path.Combine(root, "Deploy", "prometheus", "alerts.yml"))).ToList()))
                .ToList();
            Assert.Equal(2, files.Count);
            foreach (var (file, expressions) in files)
            {
                Assert.NotEmpty(expressions);
                var missing = expressions.SelectMany(e => MetricNames(e).Select(name => (name, e)))
                    .Where(m => !exported.ContainsKey(m.name) && !PrometheusSeries.Contains(m.name))
                    .Select(m => $"{m.name} (in {m.e})").Distinct().ToList();
                Assert.True(missing.Count == 0, $"{Path.GetFileName(file)} queries metrics /metrics does not export:\n{string.Join("\n", missing)}");
                var unknown = expressions.SelectMany(MetricNames).Where(name => name.StartsWith(PrometheusNames.Prefix, StringComparison.Ordinal) && !PrometheusNames.All.Contains(name))
                    .Distinct().ToList();
                Assert.True(unknown.Count == 0, $"{Path.GetFileName(file)} queries metrics that are no instrument of InstrumentNames:\n{string.Join("\n", unknown)}");
                var unlabelled = expressions.SelectMany(e => LabelNames(e).Except(TargetLabels)
                        .Where(label => !MetricNames(e).Where(exported.ContainsKey).Any(name => exported[name].Contains(label)))
                        .Select(label => $"{label} (in {e})"))
                    .Distinct().ToList();
                Assert.True(unlabelled.Count == 0, $"{Path.GetFileName(file)} groups or selects by labels no series of its metrics has:\n{string.Join("\n", unlabelled)}");
            }
        }
        finally
        {
            samples.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The alerts on dead letters, restarts, requests the silos' queues refused and undecided matches, and the dashboard's
    /// pauses, take their counters' increase, which does not see a series' first sample: every series (each dead-letter
    /// reason, each reason a request is dropped for) must exist at 0 before its first count, or that first one goes unseen.
    /// </summary>
    [Fact]
    public async Task The_silo_and_its_ingest_export_their_failure_counters_for_every_reason_before_counting_any()
    {
        using var local = await SiloProcess.StartLocalAsync("counters-at-zero");
        var restarts = PrometheusNames.Counter(InstrumentNames.IngestRestarts);
        var undecided = PrometheusNames.Counter(InstrumentNames.AttentionUndecided);
        // The ingest starts after the silo: once its restarts are exported, so is everything the silo exports at its start.
        await ScrapeUntilAsync(local.Http, restarts);

        var exposition = await local.Http.GetStringAsync("/metrics");
        Assert.Contains(undecided, ExportedNames(exposition).Keys);
        Assert.Contains(PrometheusNames.Counter(InstrumentNames.IngestPauses), ExportedNames(exposition).Keys);
        Assert.Empty(DeadLetterReasons.All.Except(LabelValues(exposition, PrometheusNames.Counter(InstrumentNames.IngestDeadLetters), "reason")));
        Assert.Empty(new[] { BatchingInstruments.Busy, BatchingInstruments.Cancelled }.Except(LabelValues(exposition, PrometheusNames.Counter(InstrumentNames.BatchDropped), "reason")));
    }

    /// <summary>
    /// The on-call engineer reads a dead letter's headers by the names the alerts and their runbook (Deploy/README.md,
    /// "Alerts") give: each <c>streamattention-…</c> name there is a header the ingest writes on a dead letter.
    /// </summary>
    [Fact]
    public void Alerts_and_their_runbook_name_only_headers_a_dead_letter_carries()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "Deploy", "README.md"));
        var alertsSection = readme[readme.IndexOf("\n## Alerts\n", StringComparison.Ordinal)..readme.IndexOf("\n## Known gaps\n", StringComparison.Ordinal)];
        var named = HeaderName().Matches(File.ReadAllText(Path.Combine(root, "Deploy", "prometheus", "alerts.yml")) + alertsSection)
            .Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(named.Except(DeadLetterHeaders.WrittenByDeadLetter));
        Assert.Contains(DeadLetterHeaders.Error, named);
    }

    /// <summary>The values <paramref name="label"/> takes in the exposition's samples of <paramref name="metric"/>.</summary>
    private static HashSet<string> LabelValues(string exposition, string metric, string label)
        => exposition.Split('\n').Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal))
            .SelectMany(line => ExpositionLabel().Matches(line).Where(m => m.Groups[1].Value == label).Select(m => m.Groups[2].Value))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A stopped container's name no longer resolves: found by DNS, its target would vanish and no alert fire. Every
    /// compose service of the StreamAttention image outside a profile is a static target of a Prometheus job, down when stopped.
    /// </summary>
    [Fact]
    public void Every_compose_service_that_always_runs_is_a_static_scrape_target()
    {
        var services = ImageServices();
        var targets = ScrapeJobs().Values.SelectMany(job => job.StaticTargets).Where(target => services.Any(s => $"{s.Name}:8080" == target)).ToList();

        Assert.Contains(services, service => service.Name == "silo1");
        Assert.Equal(services.Where(s => !s.InProfile).Select(s => $"{s.Name}:8080").Order(), targets.Order());
    }

    /// <summary>
    /// docker-compose has no readiness probes of its own: its healthcheck is the one place a process that runs but cannot
    /// work shows (<c>docker compose ps</c>), and its probes are what counts short readiness failures there
    /// (StreamAttentionReadinessFlapping). Every service of the image is probed on <c>/health/ready</c>, none on liveness.
    /// </summary>
    [Fact]
    public void Every_compose_service_of_the_image_is_probed_on_its_readiness()
    {
        var compose = File.ReadAllText(Path.Combine(RepositoryRoot(), "docker-compose.yml"));
        var image = ComposeAnchor().Match(compose);
        var services = ImageServices();

        Assert.True(image.Success, "docker-compose.yml has no x-streamattention block");
        Assert.Matches(ReadinessHealthcheck(), image.Groups["body"].Value);
        Assert.Contains(services, service => service.Name == "ingest");
        Assert.All(services, service => Assert.DoesNotContain("healthcheck:", service.Body, StringComparison.Ordinal));
    }

    /// <summary>
    /// The "Silos up" stat counts the targets of the jobs it selects: those of the silos (the compose services of the
    /// image that run its default command, GPU profile included), not the standalone ingest's.
    /// </summary>
    [Fact]
    public void The_silos_up_stat_counts_the_scrape_jobs_of_the_silos_only()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "Deploy", "grafana", "dashboards", "streamattention.json")))!;
        var stat = dashboard["panels"]!.AsArray().Single(panel => (string?)panel!["title"] == "Silos up")!;
        var expression = Expressions(stat).Single();
        var selector = JobSelector().Match(expression);
        Assert.True(selector.Success, $"'Silos up' selects no job: {expression}");
        var selected = new Regex($"^(?:{selector.Groups["jobs"].Value})$");

        var hosts = ScrapeJobs().Where(job => selected.IsMatch(job.Key)).SelectMany(job => job.Value.StaticTargets.Select(t => t.Split(':')[0]).Concat(job.Value.DnsNames));
        var silos = ImageServices().Where(service => !service.Command.Contains("\"ingest\"", StringComparison.Ordinal)).Select(service => service.Name);

        Assert.Contains("silo-gpu", silos);
        Assert.Equal(silos.Order(), hosts.Order());
    }

    /// <summary>The compose services of the StreamAttention image: their name, whether only a profile runs them, their command line (empty: the image's, a silo) and their lines.</summary>
    private static List<(string Name, bool InProfile, string Command, string Body)> ImageServices()
    {
        var compose = File.ReadAllText(Path.Combine(RepositoryRoot(), "docker-compose.yml"));
        return ComposeService().Matches(compose[compose.IndexOf("\nservices:\n", StringComparison.Ordinal)..])
            .Where(m => m.Groups["body"].Value.Contains("<<: *streamattention\n", StringComparison.Ordinal))
            .Select(m => (m.Groups["name"].Value, m.Groups["body"].Value.Contains("profiles:", StringComparison.Ordinal), ComposeCommand().Match(m.Groups["body"].Value).Value, m.Groups["body"].Value))
            .ToList();
    }

    /// <summary>The scrape jobs of docker-compose's Prometheus, by name: their static targets (<c>host:port</c>) and the names they find by DNS.</summary>
    private static Dictionary<string, (List<string> StaticTargets, List<string> DnsNames)> ScrapeJobs()
    {
        var config = File.ReadAllText(Path.Combine(RepositoryRoot(), "Deploy", "prometheus", "prometheus.yml"));
        return ScrapeJob().Matches(config).ToDictionary(job => job.Groups["name"].Value, job => (
            ListOf(StaticTargets().Matches(job.Groups["body"].Value)),
            ListOf(DnsNames().Matches(job.Groups["body"].Value))));

        static List<string> ListOf(MatchCollection lists)
            => [.. lists.SelectMany(list => list.Groups["items"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(item => item.Trim('"'))];
    }

    [Fact]
    public void Grafana_dashboards_use_the_provisioned_data_source()
    {
        var grafana = Path.Combine(RepositoryRoot(), "Deploy", "grafana");
        var provisioned = DataSourceUid().Matches(File.ReadAllText(Path.Combine(grafana, "provisioning", "datasources", "prometheus.yaml")))
            .Select(m => m.Groups[1].Value).ToHashSet();
        var dashboards = Directory.GetFiles(Path.Combine(grafana, "dashboards"), "*.json");
        Assert.NotEmpty(provisioned);
        Assert.NotEmpty(dashboards);
        foreach (var file in dashboards)
        {
            var used = DataSourceUids(JsonNode.Parse(File.ReadAllText(file))!).Distinct().ToList();
            Assert.NotEmpty(used);
            Assert.All(used, uid => Assert.Contains(uid, provisioned));
        }
    }

    [Fact]
    public void Metric_names_are_read_from_PromQL_without_functions_labels_or_grouping()
    {
        var names = MetricNames("""histogram_quantile(0.99, sum by (le, instance) (rate(a_seconds_bucket{job="x", route=~"/b.*"}[5m])))"""
            + " / on (instance) group_left (model) max without (pod) (b_info) > bool 0.5 and c_total offset 1h");
        Assert.Equal(["a_seconds_bucket", "b_info", "c_total"], names.Order());
    }

    [Fact]
    public void Label_names_are_read_from_PromQL_matchers_and_grouping()
    {
        var labels = LabelNames("""histogram_quantile(0.99, sum by (le, instance) (rate(a_seconds_bucket{job="x", route=~"/b,c"}[5m])))"""
            + " / on (instance) group_left (model) max without (pod) (b_info{kind!=\"a\"}) > bool 0.5");
        Assert.Equal(["instance", "job", "kind", "le", "model", "pod", "route"], labels.Order());
    }

    [Fact]
    public void Rule_expressions_are_read_inline_and_folded()
    {
        var expressions = RuleExpressions(
        [
            "groups:", "  - rules:", "      - alert: A", "        expr: up == 0", "        for: 2m",
            "      - alert: B", "        expr: >-", "          sum(a)", "          > 1", "        labels:", "          severity: warning",
        ]);
        Assert.Equal(["up == 0", "sum(a) > 1"], expressions);
    }

    /// <summary>Syntax only: the scrape key's file is a compose secret that exists only in the running container.</summary>
    [Fact]
    public async Task Prometheus_accepts_the_scrape_configuration()
    {
        Assert.True(File.Exists(PromtoolPath), $"{PromtoolPath} is missing: install the Debian package 'prometheus'");
        var config = Path.Combine(RepositoryRoot(), "Deploy", "prometheus", "prometheus.yml");
        var (exitCode, output, errors) = await ChildProcess.RunAsync(TimeSpan.FromMinutes(1), PromtoolPath, "check", "config", "--syntax-only", config);
        Assert.True(exitCode == 0, $"promtool check config failed ({exitCode}): {output}{errors}");
    }

    /// <summary>Scrapes <c>/metrics</c> until it exports every one of <paramref name="names"/> (traffic pending), at most <see cref="ScrapePolls"/> times.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> ScrapeUntilAsync(HttpClient http, params string[] names)
    {
        var exported = new Dictionary<string, HashSet<string>>();
        for (var poll = 0; poll < ScrapePolls; poll++)
        {
            exported = ExportedNames(await http.GetStringAsync("/metrics"));
            if (names.All(exported.ContainsKey))
            {
                return exported;
            }
            await Task.Delay(ScrapePollInterval);
        }
        Assert.Fail($"/metrics never exported {string.Join(", ", names.Where(name => !exported.ContainsKey(name)))}");
        return exported;
    }

    /// <summary>
    /// Names a scrape of the exposition text can be queried by: every sample's name (counters' <c>_total</c>,
    /// histograms' <c>_bucket</c>, <c>_count</c> and <c>_sum</c>, all after the unit suffix the exporter appends) and
    /// every family name from the <c># TYPE</c> lines.
    /// </summary>
    /// <remarks>Each with the label names its samples carry (none for a family name alone).</remarks>
    private static Dictionary<string, HashSet<string>> ExportedNames(string exposition)
    {
        var names = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string> Labels(string name) => names.TryGetValue(name, out var labels) ? labels : names[name] = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                Labels(line.Split(' ')[2]);
            }
            else if (!line.StartsWith('#'))
            {
                var labels = Labels(line[..line.IndexOfAny(['{', ' '])]);
                labels.UnionWith(ExpositionLabel().Matches(line).Select(m => m.Groups[1].Value));
            }
        }
        return names;
    }

    /// <summary>
    /// The <c>expr</c> of every rule in a Prometheus rule file: inline, or a folded block (<c>&gt;-</c>) whose more
    /// indented lines are joined by spaces, as YAML folds them.
    /// </summary>
    private static IEnumerable<string> RuleExpressions(IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var match = RuleExpression().Match(lines[i]);
            if (!match.Success)
            {
                continue;
            }
            if (match.Groups["value"].Value != ">-")
            {
                yield return match.Groups["value"].Value;
                continue;
            }
            var indent = match.Groups["indent"].Value.Length;
            var folded = new List<string>();
            for (; i + 1 < lines.Count && lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent; i++)
            {
                folded.Add(lines[i + 1].Trim());
            }
            yield return string.Join(' ', folded);
        }
    }

    /// <summary>The label names of a PromQL expression's matchers and grouping clauses.</summary>
    private static HashSet<string> LabelNames(string expression)
    {
        var stripped = StringLiteral().Replace(expression, "\"\"");
        return LabelMatchers().Matches(stripped).SelectMany(m => MatcherLabel().Matches(m.Value).Select(l => l.Groups[1].Value))
            .Concat(GroupingClause().Matches(stripped).SelectMany(m => m.Groups["labels"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every PromQL expression in a dashboard: panel targets and template variable queries, at any depth (rows nest panels).</summary>
    private static IEnumerable<string> Expressions(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key is "expr" or "query" && p.Value is JsonValue v && v.TryGetValue<string>(out var e) ? [e] : p.Value is null ? [] : Expressions(p.Value)),
        JsonArray a => a.Where(n => n is not null).SelectMany(n => Expressions(n!)),
        _ => [],
    };

    private static IEnumerable<string> DataSourceUids(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "datasource" && p.Value is JsonObject d && d["uid"] is JsonValue uid ? [uid.GetValue<string>()]
            : p.Value is null ? [] : DataSourceUids(p.Value)),
        JsonArray a => a.Where(n => n is not null).SelectMany(n => DataSourceUids(n!)),
        _ => [],
    };

    /// <summary>
    /// The metric names of a PromQL expression: identifiers left after dropping string literals, label matchers,
    /// range and offset durations, grouping label lists and keywords, that are not calls.
    /// </summary>
    private static HashSet<string> MetricNames(string expression)
    {
        var stripped = StringLiteral().Replace(expression, "\"\"");
        stripped = LabelMatchers().Replace(stripped, " ");
        stripped = Durations().Replace(stripped, " ");
        stripped = GroupingClause().Replace(stripped, " ");
        return Identifier().Matches(stripped).Where(m => !m.Groups["call"].Success && !Keywords.Contains(m.Groups["name"].Value))
            .Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
    }

    private static readonly HashSet<string> Keywords = ["and", "or", "unless", "bool", "offset", "inf", "nan"];

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StreamAttention.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No StreamAttention.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^\s*uid:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex DataSourceUid();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]|\boffset\s+\w+")]
    private static partial Regex Durations();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\((?<labels>[^)]*)\)")]
    private static partial Regex GroupingClause();

    [GeneratedRegex(@"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex MatcherLabel();

    [GeneratedRegex(@"([A-Za-z_]\w*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex ExpositionLabel();

    /// <summary>The settings every service of the StreamAttention image merges (<c>&lt;&lt;: *streamattention</c>): the block's indented lines.</summary>
    [GeneratedRegex(@"^x-streamattention: &streamattention\n(?<body>(?:(?:  .*)?\n)*)", RegexOptions.Multiline)]
    private static partial Regex ComposeAnchor();

    [GeneratedRegex(@"^  healthcheck:\n    test: \[.*""http://127\.0\.0\.1:8080/health/ready""\]$", RegexOptions.Multiline)]
    private static partial Regex ReadinessHealthcheck();

    /// <summary>A top-level service of a compose file: its name and its indented lines.</summary>
    [GeneratedRegex(@"^  (?<name>[\w-]+):\n(?<body>(?:(?:    .*)?\n)*)", RegexOptions.Multiline)]
    private static partial Regex ComposeService();

    /// <summary>A scrape job of prometheus.yml: its name and its more indented lines.</summary>
    [GeneratedRegex(@"^  - job_name: (?<name>\S+)\n(?<body>(?:(?:    .*)?\n)*)", RegexOptions.Multiline)]
    private static partial Regex ScrapeJob();

    [GeneratedRegex(@"- targets: \[(?<items>[^\]]*)\]")]
    private static partial Regex StaticTargets();

    [GeneratedRegex(@"- names: \[(?<items>[^\]]*)\]")]
    private static partial Regex DnsNames();

    [GeneratedRegex(@"(?<=^    command: ).*$", RegexOptions.Multiline)]
    private static partial Regex ComposeCommand();

    /// <summary>A selector's <c>job</c> matcher: <c>job="a"</c> or <c>job=~"a|b"</c>.</summary>
    [GeneratedRegex(@"\bjob=~?""(?<jobs>[^""]*)""")]
    private static partial Regex JobSelector();

    /// <summary>A header name of StreamAttention's (<c>streamattention-error</c>), not a metric or a host name.</summary>
    [GeneratedRegex(@"(?<![\w.-])streamattention(?:-[a-z]+)+(?![\w.])")]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"^(?<indent>\s*)(?:-\s+)?expr:\s*(?<value>.*?)\s*$")]
    private static partial Regex RuleExpression();

    [GeneratedRegex(@"(?<![\w:.])(?<name>[A-Za-z_:][\w:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}
