using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Scoring.Cascade;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Tests.Cascade;

public sealed class ModelTimeBudgetTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    /// <summary>One run of the model: asks for <paramref name="wanted"/> messages, each taking <paramref name="perMessage"/> on the clock.</summary>
    private static int Run(ModelTimeBudget budget, FakeTimeProvider clock, int wanted, TimeSpan perMessage)
    {
        var allowed = budget.Take(wanted, out var reserved);
        var took = perMessage * allowed;
        clock.Advance(took);
        budget.Settle(reserved, took, allowed);
        return allowed;
    }

    /// <summary>A budget of half the time whose runs took 1 s a message, its bucket full again (5 s).</summary>
    private static ModelTimeBudget MeasuredAtOneSecondAMessage(out FakeTimeProvider clock)
    {
        clock = new FakeTimeProvider();
        var budget = new ModelTimeBudget(0.5, Window, clock);
        Run(budget, clock, 1, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(20));
        return budget;
    }

    [Fact]
    public void A_stream_the_model_keeps_up_with_is_rescored_in_full()
    {
        var clock = new FakeTimeProvider();
        var budget = new ModelTimeBudget(0.5, Window, clock);

        // Four messages a second, 0.1 s of model each: 40 % of the time, under the share of 50 %.
        for (var second = 0; second < 300; second++)
        {
            Assert.Equal(4, Run(budget, clock, 4, TimeSpan.FromSeconds(0.1)));
            clock.Advance(TimeSpan.FromSeconds(0.6));
        }
    }

    [Fact]
    public void Sustained_overload_keeps_the_model_to_its_share_of_the_time_and_uses_it()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var budget = new ModelTimeBudget(0.5, Window, clock);
        var perMessage = TimeSpan.FromSeconds(0.1);
        var modelSeconds = 0.0;
        var limitedRuns = 0;

        // Runs back to back, each wanting 10 messages (1 s of model), with 0.2 s of other work between them.
        for (var run = 0; run < 2_000; run++)
        {
            var allowed = Run(budget, clock, 10, perMessage);
            modelSeconds += allowed * perMessage.TotalSeconds;
            limitedRuns += allowed < 10 ? 1 : 0;
            clock.Advance(TimeSpan.FromSeconds(0.2));
        }

        var elapsed = (clock.GetUtcNow() - start).TotalSeconds;
        // At most the share of the time, plus the full bucket it started with and one message of overdraw.
        Assert.InRange(modelSeconds, 0.9 * 0.5 * elapsed, 0.5 * elapsed + 0.5 * Window.TotalSeconds + perMessage.TotalSeconds);
        Assert.True(limitedRuns > 1_000, $"{limitedRuns} runs were limited");
    }

    [Fact]
    public void A_burst_after_a_quiet_stretch_gets_the_full_window_and_then_only_the_share()
    {
        var clock = new FakeTimeProvider();
        var budget = new ModelTimeBudget(0.5, Window, clock);
        Run(budget, clock, 1, TimeSpan.FromSeconds(0.1));
        clock.Advance(TimeSpan.FromMinutes(5));

        // A burst with nothing between runs: the bucket holds 5 s of model (half of 10 s), and a run that takes
        // its 0.1 s refills 0.05 s of it, so about 10 s of model pass before the first run is limited.
        var rescored = 0;
        while (Run(budget, clock, 1, TimeSpan.FromSeconds(0.1)) == 1)
        {
            rescored++;
            Assert.True(rescored < 1_000, "the burst was never limited");
        }

        Assert.InRange(rescored, 95, 101);
        Assert.Equal(0, Run(budget, clock, 1, TimeSpan.FromSeconds(0.1)));
    }

    [Fact]
    public void Before_any_run_is_measured_a_run_gets_all_it_wants()
    {
        var clock = new FakeTimeProvider();
        var budget = new ModelTimeBudget(0.5, Window, clock);

        Assert.Equal(1_000, budget.Take(1_000, out var reserved));
        Assert.Equal(0, reserved);
    }

    [Fact]
    public void Runs_back_to_back_get_what_the_bucket_pays_for_until_it_is_empty_then_wait_for_it_to_fill()
    {
        // The full bucket (5 s) pays for five messages.
        var budget = MeasuredAtOneSecondAMessage(out var clock);

        // Each run's own time refills half of it: 5 s → 2.5 s left → 3 messages (the last overdraws: 1 s left after
        // the refill) → 1 → 1 (0.5 s held: a run may start while any time is left) → empty.
        var allowed = Enumerable.Range(0, 5).Select(_ => Run(budget, clock, 10, TimeSpan.FromSeconds(1))).ToArray();

        Assert.Equal([5, 3, 1, 1, 0], allowed);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(2, Run(budget, clock, 10, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Concurrent_runs_reserve_their_estimate_so_they_cannot_spend_the_same_time()
    {
        var budget = MeasuredAtOneSecondAMessage(out _);

        var first = budget.Take(4, out var firstReserved);
        var second = budget.Take(4, out _);

        Assert.Equal((4, 4.0), (first, firstReserved));
        // 5 s minus the first run's 4 s reserved: one message.
        Assert.Equal(1, second);
    }

    [Fact]
    public void A_run_that_takes_less_than_its_reservation_gives_the_rest_back()
    {
        var budget = MeasuredAtOneSecondAMessage(out _);

        var allowed = budget.Take(4, out var reserved);
        budget.Settle(reserved, TimeSpan.FromSeconds(1), allowed);

        Assert.Equal(4.0, budget.AvailableSeconds, 6);
    }

    [Fact]
    public void A_share_of_zero_limits_nothing()
    {
        var clock = new FakeTimeProvider();
        var budget = new ModelTimeBudget(0, Window, clock);

        for (var run = 0; run < 100; run++)
        {
            Assert.Equal(50, Run(budget, clock, 50, TimeSpan.FromSeconds(1)));
        }
        Assert.False(budget.Limits);
    }

    [Theory]
    [InlineData(-0.1, 10.0)]
    [InlineData(64.5, 10.0)]
    [InlineData(0.5, 0.0)]
    [InlineData(0.5, 4000.0)]
    public void A_share_or_window_out_of_range_is_rejected(double share, double windowSeconds)
    {
        var options = new ScoringOptions { CascadeMaxModelTimeShare = share, CascadeModelTimeWindow = TimeSpan.FromSeconds(windowSeconds) };
        var errors = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.MemberNames.Contains(share is < 0 or > 64 ? nameof(ScoringOptions.CascadeMaxModelTimeShare) : nameof(ScoringOptions.CascadeModelTimeWindow)));
    }
}
