using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Embeddings.Hosting;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Scoring.Hosting;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// The host every command runs in: configuration from appsettings.json and appsettings.{Environment}.json, environment
/// variables (<c>Section__Key</c>, then <c>STREAMATTENTION_Section__Key</c>) and command-line overrides (e.g.
/// <c>--Scoring:AttentionScale=12</c>), each over the ones before; logs on stderr so stdout stays data.
/// </summary>
public static class StreamAttentionHost
{
    public const string EnvironmentPrefix = "STREAMATTENTION_";

    /// <summary>
    /// The environment, as ASP.NET names it: ASPNETCORE_ENVIRONMENT, else DOTNET_ENVIRONMENT, else Production. Given to
    /// the web hosts too, so that every command reads the same environment's settings file.
    /// </summary>
    public static string EnvironmentName { get; } =
        new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" }.Select(Environment.GetEnvironmentVariable).FirstOrDefault(name => !string.IsNullOrEmpty(name))
        ?? Environments.Production;

    /// <summary>The settings files every command reads, beside the executable: appsettings.json, then the environment's.</summary>
    private static IReadOnlyList<FileInfo> SettingsFiles { get; } =
        [new(Path.Combine(AppContext.BaseDirectory, "appsettings.json")), new(Path.Combine(AppContext.BaseDirectory, $"appsettings.{EnvironmentName}.json"))];

    public static HostApplicationBuilder CreateBuilder(IEnumerable<string> configurationArgs)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        Configure(builder, configurationArgs);
        return builder;
    }

    /// <summary>Configuration sources, logging, the scorer and the configured embedder: what every command's host shares.</summary>
    public static void Configure(IHostApplicationBuilder builder, IEnumerable<string> configurationArgs)
    {
        ConfigureSourcesAndLogging(builder, configurationArgs);
        builder.Services.AddStreamAttentionScoring();
        AddEmbedder(builder);
    }

    /// <summary>Configuration sources and logging only, for a host that neither embeds nor scores (an Orleans client).</summary>
    public static void ConfigureSourcesAndLogging(IHostApplicationBuilder builder, IEnumerable<string> configurationArgs)
    {
        if (builder is WebApplicationBuilder)
        {
            // Its defaults (CreateSlimBuilder) read the settings files and unprefixed variables already, in AddSources'
            // order and from the same folder and environment: added again, each file would be loaded twice.
            AddOverrides(builder.Configuration, configurationArgs);
        }
        else
        {
            AddSources(builder.Configuration, configurationArgs);
        }
        // A line written within an activity (an ingest batch, a grain call, a request) names its trace and span as its
        // first scope ("=> SpanId:…, TraceId:…"), so an operator goes from the line to its trace; scopes are written
        // unless Logging:Console:FormatterOptions:IncludeScopes is false.
        var includeScopes = builder.Configuration.GetValue("Logging:Console:FormatterOptions:IncludeScopes", true);
        var rawUserPaths = TelemetryOptions.Read(builder.Configuration).RawUserPaths;
        builder.Logging
            .ClearProviders()
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId)
            .AddSimpleConsole(options => { options.SingleLine = true; options.TimestampFormat = "HH:mm:ss "; options.IncludeScopes = includeScopes; });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        var console = builder.Services.Single(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        builder.Services.Remove(console);
        builder.Services.AddSingleton<ILoggerProvider>(services =>
        {
            ILoggerProvider console = new ConsoleLoggerProvider(services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(),
                ControlCharacterEscapingConsoleFormatter.Wrap(services.GetServices<ConsoleFormatter>()));
            // A request's path scope names the user on a user's routes (Telemetry:RawUserPaths).
            console = rawUserPaths ? console : new RequestPathScopeRedaction(console);
            return new StopDuringStartLogFilter(new RefusedConfigurationLogFilter(new WatchdogStartupRaceFilter(new ControlCharacterEscapingLogProvider(console))), services);
        });
    }

    /// <summary>
    /// The configuration every command reads, in order (a later source wins): the settings files and unprefixed
    /// variables, as a web host's defaults read them, then the prefixed variables and the command line's overrides.
    /// </summary>
    public static IConfigurationBuilder AddSources(IConfigurationBuilder configuration, IEnumerable<string> configurationArgs)
    {
        foreach (var file in SettingsFiles)
        {
            configuration.AddJsonFile(file.FullName, optional: true);
        }
        return AddOverrides(configuration.AddEnvironmentVariables(), configurationArgs);
    }

    /// <summary>The sources over the settings files and unprefixed variables: the prefixed variables, then the command line.</summary>
    private static IConfigurationBuilder AddOverrides(IConfigurationBuilder configuration, IEnumerable<string> configurationArgs)
        => configuration.AddEnvironmentVariables(EnvironmentPrefix).AddCommandLine(configurationArgs.ToArray());

    /// <summary>Builds and starts the host, so options are validated and the model is ready before any work.</summary>
    public static IHost Build(IEnumerable<string> configurationArgs) => Start(CreateBuilder(configurationArgs));

    /// <summary>
    /// <see cref="Build"/> for the offline commands (<c>score</c>, <c>eval</c>): the cascade's load budget
    /// (Scoring:CascadeMaxModelTimeShare) is off unless configured, since a budget in wall time would make what they
    /// write depend on the machine's speed; ctrl-c and SIGTERM end the process (<see cref="CommandLifetime"/>).
    /// </summary>
    public static IHost BuildOffline(IEnumerable<string> configurationArgs)
    {
        var builder = CreateBuilder(configurationArgs);
        builder.Configuration["Scoring:CascadeMaxModelTimeShare"] ??= "0";
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        return Start(builder);
    }

    private static IHost Start(HostApplicationBuilder builder)
    {
        var host = builder.Build();
        try
        {
            host.Start();
        }
        catch
        {
            // Disposed before the caller reports the failure: the console logger writes its queued lines (the host's
            // own "failed to start") first, and the models' sessions are released.
            host.Dispose();
            throw;
        }
        return host;
    }

    /// <summary>
    /// The embedding provider without "Embeddings:Provider": the distilled static table, which ranks better than GloVe on
    /// both labelled sets' test halves at a higher rate (docs/benchmarks.md).
    /// </summary>
    public const string DefaultProvider = "distilled";

    /// <summary>The key that names the embedding provider (<see cref="ProviderOf"/>).</summary>
    public const string ProviderSetting = "Embeddings:Provider";

    private static readonly string[] Providers = ["glove", "distilled", "minilm", "transformer"];

    /// <summary>
    /// "Embeddings:Provider", in any case: "distilled" (default: a static token table distilled from MiniLM), "glove"
    /// (GloVe 100-d), "minilm" (all-MiniLM-L6-v2 from its NuGet package), all prepared automatically, or "transformer"
    /// (bring your own ONNX model). Another value is a <see cref="ValidationException"/>, as other options' are.
    /// </summary>
    public static string ProviderOf(IConfiguration configuration)
    {
        var provider = (configuration[ProviderSetting] ?? DefaultProvider).Trim().ToLowerInvariant();
        return Providers.Contains(provider)
            ? provider
            : throw new ValidationException($"{ProviderSetting} must be {string.Join(", ", Providers.Select(p => $"'{p}'"))}, not '{configuration[ProviderSetting]}'.");
    }

    private static void AddEmbedder(IHostApplicationBuilder builder)
    {
        var provider = ProviderOf(builder.Configuration);
        // Scores are calibrated with the provider's fitted model unless a key is configured (a tier's, say).
        builder.Configuration["Scoring:CalibrationKey"] ??= provider;
        switch (provider)
        {
            case "glove":
                builder.Services.AddStaticWordEmbeddings().BindConfiguration(WordVectorOptions.SectionName);
                break;
            case "distilled":
                builder.Services.AddDistilledEmbeddings().BindConfiguration(DistilledModelOptions.SectionName);
                break;
            case "minilm":
                builder.Services.AddMiniLmEmbeddings().BindConfiguration(MiniLmOptions.SectionName);
                break;
            case "transformer":
                builder.Services.AddTransformerEmbeddings().BindConfiguration(TransformerEmbeddingOptions.SectionName);
                builder.Services.AddHostedService<TransformerCalibrationWarning>();
                break;
        }
    }
}
