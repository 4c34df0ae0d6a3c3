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
        fixture.Faults.FailNext<ITenantGrain>(nameof(ITenantGrain.Release));

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
    /// Makes the next call of one grain method throw, once (or every call until <see cref="Heal"/>), as a grain whose
    /// storage failed would.
    /// </summary>
    public sealed class FailingCalls : IIncomingGrainCallFilter
    {
        private (Type Grain, string Method)? _next;
        private bool _untilHealed;
        private readonly Lock _lock = new();

        public void FailNext<TGrain>(string method) => Fail<TGrain>(method, untilHealed: false);

        public void FailUntilHealed<TGrain>(string method) => Fail<TGrain>(method, untilHealed: true);

        public void Heal()
        {
            lock (_lock)
            {
                _next = null;
            }
        }

        private void Fail<TGrain>(string method, bool untilHealed)
        {
            lock (_lock)
            {
                (_next, _untilHealed) = ((typeof(TGrain), method), untilHealed);
            }
        }

        public Task Invoke(IIncomingGrainCallContext context)
        {
            lock (_lock)
            {
                if (_next == (context.InterfaceMethod.DeclaringType!, context.InterfaceMethod.Name))
                {
                    _next = _untilHealed ? _next : null;
                    throw new IOException("injected failure");
                }
            }
            return context.Invoke();
        }
    }
}
