using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// The monitoring files under <c>Deploy/</c> against the real silo: every metric the Grafana dashboard queries is one
/// the silo's <c>/metrics</c> exports and, if it is StreamAttention's, an instrument of <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames"/>, the dashboard queries the provisioned data source, and Prometheus accepts the
/// scrape configuration.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed partial class DeploymentMonitoringTests(SiloHostFixture host)
{
    private const string PromtoolPath = "/usr/bin/promtool";

    /// <summary>Series Prometheus makes itself for every target; no exporter serves them.</summary>
    private static readonly HashSet<string> PrometheusSeries = ["up", "scrape_duration_seconds", "scrape_samples_scraped"];

    [Fact]
    public async Task Grafana_dashboard_queries_only_metrics_the_silo_exports()
    {
        // Scoring instruments report nothing until something is scored: from the stream, and on request.
        (await host.Http.PutAsJsonAsync("/users/grafana-user/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        await host.ScoreFromTheStreamAsync("grafana-user", Texts.DatabaseMessage);
        (await host.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage } })).EnsureSuccessStatusCode();
        var exported = ExportedNames(await host.Http.GetStringAsync("/metrics"));

        var dashboards = Directory.GetFiles(Path.Combine(RepositoryRoot(), "Deploy", "grafana", "dashboards"), "*.json");
        Assert.NotEmpty(dashboards);
        foreach (var file in dashboards)
        {
            var expressions = Expressions(JsonNode.Parse(File.ReadAllText(file))!).ToList();
            Assert.NotEmpty(expressions);
            var missing = expressions.SelectMany(e => MetricNames(e).Select(name => (name, e)))
                .Where(m => !exported.Contains(m.name) && !PrometheusSeries.Contains(m.name))
                .Select(m => $"{m.name} (in {m.e})").Distinct().ToList();
            Assert.True(missing.Count == 0, $"{Path.GetFileName(file)} queries metrics /metrics does not export:\n{string.Join("\n", missing)}");
            var unknown = expressions.SelectMany(MetricNames).Where(name => name.StartsWith(PrometheusNames.Prefix, StringComparison.Ordinal) && !PrometheusNames.All.Contains(name))
                .Distinct().ToList();
            Assert.True(unknown.Count == 0, $"{Path.GetFileName(file)} queries metrics that are no instrument of InstrumentNames:\n{string.Join("\n", unknown)}");
        }
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

    /// <summary>Syntax only: the scrape key's file is a compose secret that exists only in the running container.</summary>
    [Fact]
    public async Task Prometheus_accepts_the_scrape_configuration()
    {
        Assert.True(File.Exists(PromtoolPath), $"{PromtoolPath} is missing: install the Debian package 'prometheus'");
        var config = Path.Combine(RepositoryRoot(), "Deploy", "prometheus", "prometheus.yml");
        var (exitCode, output, errors) = await ChildProcess.RunAsync(TimeSpan.FromMinutes(1), PromtoolPath, "check", "config", "--syntax-only", config);
        Assert.True(exitCode == 0, $"promtool check config failed ({exitCode}): {output}{errors}");
    }

    /// <summary>
    /// Names a scrape of the exposition text can be queried by: every sample's name (counters' <c>_total</c>,
    /// histograms' <c>_bucket</c>, <c>_count</c> and <c>_sum</c>, all after the unit suffix the exporter appends) and
    /// every family name from the <c># TYPE</c> lines.
    /// </summary>
    private static HashSet<string> ExportedNames(string exposition)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                names.Add(line.Split(' ')[2]);
            }
            else if (!line.StartsWith('#'))
            {
                names.Add(line[..line.IndexOfAny(['{', ' '])]);
            }
        }
        return names;
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

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex GroupingClause();

    [GeneratedRegex(@"(?<![\w:.])(?<name>[A-Za-z_:][\w:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}
