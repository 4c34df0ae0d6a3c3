using System.CommandLine;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Silo.Commands;

/// <summary><c>streamattention silo</c>: runs a silo with the HTTP API until stopped (Ctrl+C).</summary>
public static class SiloCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "where the HTTP API listens, e.g. http://127.0.0.1:8080 (default http://localhost:5000)" };
        var command = new Command("silo", "Run a silo with the HTTP API. Local clustering and in-memory state by default; "
            + "--Cluster:Clustering=redis --Cluster:Redis=127.0.0.1:6379 joins a cluster through Redis.")
        {
            urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var builder = SiloHost.CreateBuilder(parse.UnmatchedTokens, parse.GetValue(urls));
            // Before the host, as local does: a cache to fill (first start, a corrupt file: minutes of distilling) stops on
            // the command's token. Prepared by the host's container instead, it ran to the end whatever stop came meanwhile,
            // past a pod's grace period.
            await ModelPreparation.EnsureAsync(builder.Configuration, Console.Error, cancellationToken);
            builder.Services.AddHostedService<SiloStopDeadline>();
            await using var app = SiloHost.Build(builder);
            return await StopDuringStart.RunAsync(app, cancellationToken);
        });
        return command;
    }
}
