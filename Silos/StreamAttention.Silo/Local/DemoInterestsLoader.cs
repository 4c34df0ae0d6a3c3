using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Silo.IO;

namespace StreamAttention.Silo.Local;

/// <summary>Loads the demo users' interests into their user grains when local mode starts (after the silo, before the stream).</summary>
public sealed class DemoInterestsLoader(IGrainFactory grains, IOptions<SampleStreamOptions> options, ILogger<DemoInterestsLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(options.Value.Directory, "interests.jsonl");
        using var errors = new StringWriter();
        var interests = ScoringFiles.ReadUniqueInterests(ScoringFiles.Interests(path, errors), errors, out _);
        foreach (var user in interests.GroupBy(i => i.UserId ?? "demo"))
        {
            var result = await grains.GetGrain<IUserGrain>(user.Key).PutInterests(user.Select(i => new InterestInput(i.Id, i.Text, i.Threshold, i.Require, i.Exclude)).ToList());
            foreach (var error in result.Errors)
            {
                logger.LogWarning("Demo interest of {User} rejected: {Error}", user.Key, error);
            }
        }
        logger.LogInformation("Loaded {Count} demo interests of {Users} users from {Path}", interests.Count, interests.Select(i => i.UserId).Distinct().Count(), path);
        if (errors.ToString() is { Length: > 0 } problems)
        {
            logger.LogWarning("{Problems}", problems.Trim());
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
