using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>A DELETE whose erasure fails midway says which steps are done and which are left; repeating it finishes the erasure.</summary>
public sealed class UserErasureHttpTests(UserErasureHttpTests.FailingCallSiloFixture fixture) : IClassFixture<UserErasureHttpTests.FailingCallSiloFixture>
{
    [Fact]
    public async Task A_partly_failed_erasure_answers_503_naming_the_steps_done_and_left_and_a_retry_finishes_it()
    {
        const string user = "/tenants/acme/users/http-erase-fails";
        (await fixture.Http.PutAsJsonAsync($"{user}/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold })).EnsureSuccessStatusCode();
        fixture.Faults.FailNext<ITenantGrain>(nameof(ITenantGrain.Remove));

        var problem = await HttpApiTests.AssertProblemAsync(await fixture.Http.DeleteAsync(user), HttpStatusCode.ServiceUnavailable);

        Assert.Equal(UserErasureSteps.TenantCount, (string?)problem["failedStep"]);
        Assert.Equal([UserErasureSteps.Scoring], Strings(problem["done"]));
        Assert.Equal(UserErasureSteps.All.Skip(1), Strings(problem["left"]));
        // Nothing but the shard's rows is gone yet: the user's interests are still there to be erased.
        Assert.Single((await fixture.Http.GetFromJsonAsync<JsonObject>($"{user}/interests"))!["interests"]!.AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Http.DeleteAsync(user)).StatusCode);
        Assert.Empty((await fixture.Http.GetFromJsonAsync<JsonObject>($"{user}/interests"))!["interests"]!.AsArray());
        Assert.Equal(0, (await fixture.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>("acme").GetUsage()).Users);
    }

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(item => (string)item!)];

    /// <summary>The silo host with <see cref="FailingCalls"/> among its grain call filters.</summary>
    public sealed class FailingCallSiloFixture : SiloHostFixture
    {
        public FailingCalls Faults { get; } = new();

        protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<IIncomingGrainCallFilter>(Faults);
    }

    /// <summary>
    /// Makes the next call of a grain method throw, once (or every call until <see cref="Heal"/>), as a grain whose
    /// storage failed would; several methods may fail at once. A method is named by its interface's full name too, for
    /// Orleans' own internal grains (the in-memory reminder table, <see cref="ReminderTable"/>). A call can also be held
    /// before it fails (<see cref="HoldNextThenFail{TGrain}"/>), as a read that is in flight while other calls change things.
    /// </summary>
    public sealed class FailingCalls : IIncomingGrainCallFilter
    {
        /// <summary>The grain interface of the in-memory reminder table (internal to Orleans): failing its writes is the reminder service down.</summary>
        public const string ReminderTable = "Orleans.IReminderTableGrain";

        /// <summary>The failing methods, by interface and name, each with whether it fails until healed.</summary>
        private readonly Dictionary<(string Interface, string Method), bool> _failing = [];

        /// <summary>The held methods, each with what it signals on arrival and what it waits for before failing.</summary>
        private readonly Dictionary<(string Interface, string Method), (TaskCompletionSource Arrived, Task Release)> _held = [];
        private readonly Lock _lock = new();

        public void FailNext<TGrain>(string method) => Fail(typeof(TGrain).FullName!, method, untilHealed: false);

        public void FailUntilHealed<TGrain>(string method) => Fail(typeof(TGrain).FullName!, method, untilHealed: true);

        public void FailUntilHealed(string grainInterface, string method) => Fail(grainInterface, method, untilHealed: true);

        /// <summary>
        /// The next call of <paramref name="method"/> waits for <paramref name="release"/>, then throws (before any
        /// failure set for it); the task returned completes once that call arrived.
        /// </summary>
        public Task HoldNextThenFail<TGrain>(string method, Task release)
        {
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                _held[(typeof(TGrain).FullName!, method)] = (arrived, release);
            }
            return arrived.Task;
        }

        public void Heal()
        {
            lock (_lock)
            {
                _failing.Clear();
                _held.Clear();
            }
        }

        private void Fail(string grainInterface, string method, bool untilHealed)
        {
            lock (_lock)
            {
                _failing[(grainInterface, method)] = untilHealed;
            }
        }

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            var called = (context.InterfaceMethod.DeclaringType!.FullName!, context.InterfaceMethod.Name);
            Task? release = null;
            lock (_lock)
            {
                if (_held.Remove(called, out var held))
                {
                    held.Arrived.SetResult();
                    release = held.Release;
                }
                else if (_failing.TryGetValue(called, out var untilHealed))
                {
                    if (!untilHealed)
                    {
                        _failing.Remove(called);
                    }
                    throw new IOException("injected failure");
                }
            }
            if (release is not null)
            {
                await release;
                throw new IOException("injected failure");
            }
            await context.Invoke();
        }
    }
}
