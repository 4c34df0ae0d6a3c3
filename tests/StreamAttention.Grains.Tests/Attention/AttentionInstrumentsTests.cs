using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>A call's decisions are added once per kind, with the same totals per kind as one add per match.</summary>
public sealed class AttentionInstrumentsTests
{
    [Fact]
    public void Every_delivery_kind_has_its_place()
    {
        for (var index = 0; index < DeliveryKinds.All.Count; index++)
        {
            Assert.Equal(index, AttentionInstruments.KindIndex(DeliveryKinds.All[index]));
        }
        Assert.Throws<ArgumentException>(() => AttentionInstruments.KindIndex("delivered"));
    }

    [Fact]
    public void A_calls_decisions_are_one_measurement_per_kind_that_occurred()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var instruments = new AttentionInstruments(services.GetRequiredService<IMeterFactory>());
        var measured = new List<(string Kind, long Count)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, instruments.Decisions))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => measured.Add(((string)tags[0].Value!, value)));
        listener.Start();
        string[] decided = [DeliveryKinds.Deferred, DeliveryKinds.SuppressedDuplicate, DeliveryKinds.Deferred, DeliveryKinds.BelowThreshold, DeliveryKinds.Deferred];
        Span<int> perKind = stackalloc int[DeliveryKinds.All.Count];
        foreach (var kind in decided)
        {
            perKind[AttentionInstruments.KindIndex(kind)]++;
        }

        instruments.AddDecisions(perKind);

        Assert.Equal([(DeliveryKinds.Deferred, 3L), (DeliveryKinds.SuppressedDuplicate, 1L), (DeliveryKinds.BelowThreshold, 1L)], measured);
    }
}
