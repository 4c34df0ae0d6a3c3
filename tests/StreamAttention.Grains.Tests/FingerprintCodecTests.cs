using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// How a fingerprint is stored now (<see cref="Storage.FingerprintCodec"/>): its sketch as its 64 bytes. The records
/// written before, with the whole signature as numbers or packed, are <see cref="StoredBinaryRecordsTests"/>'.
/// </summary>
public sealed class FingerprintCodecTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    private IGrainStorageSerializer Storage => StoredRecords.UsersStorage(fixture.Services);

    [Fact]
    public void A_sketch_is_written_as_its_bytes_and_read_back_equal()
    {
        var sketch = MinHashSignature.SketchOf("Kafka broker 3 in eu-west is offline, 12 partitions under-replicated");
        var entry = new AttentionEntry { Fingerprints = [new Fingerprint("m-1", At, sketch)] };

        var record = Storage.Serialize(entry).ToArray();
        var loaded = Storage.Deserialize<AttentionEntry>(BinaryData.FromBytes(record))!;

        Assert.True(record.AsSpan().IndexOf(sketch) >= 0, "The record holds the sketch's bytes.");
        var fingerprint = Assert.Single(loaded.Fingerprints);
        Assert.Equal(("m-1", At), (fingerprint.MatchId, fingerprint.At));
        Assert.Equal(sketch, fingerprint.Sketch);
    }

    /// <summary>Each fingerprint takes the one reference number its byte array takes on reading: later shared objects still resolve.</summary>
    [Fact]
    public void A_state_with_sketches_keeps_the_objects_after_them()
    {
        var state = StoredBinaryRecordsTests.UserState();

        var loaded = Storage.Deserialize<Users.UserInterestsState>(Storage.Serialize(state))!;

        Assert.Equal(state.Attention.Fingerprints, loaded.Attention.Fingerprints);
        Assert.Equal(state.Attention.Pending.Select(m => m.MatchId), loaded.Attention.Pending.Select(m => m.MatchId));
        Assert.Same(loaded.Attention.Outbox[0], loaded.Attention.RecentDigests[^1]);
    }

    /// <summary>A fingerprint holds a gateway's id as its UUID (<see cref="Users.MatchKey"/>); every other id as given.</summary>
    [Fact]
    public void A_match_id_keeps_its_exact_text_in_memory_in_storage_and_in_json()
    {
        var gateway = Shards.MatchIds.Create(1, At)[0];
        string[] ids = [gateway, gateway.ToUpperInvariant(), Guid.Parse(gateway).ToString("D"), "m-1", ""];
        var sketch = MinHashSignature.SketchOf("disk full on db-2");
        // After the fingerprints, two matches share one highlights array: its second occurrence is a reference by
        // number, which resolves only if every id took the reference number its reading takes.
        Contracts.Highlight[] highlights = [new("disk", 0.9f)];
        var entry = new AttentionEntry
        {
            Fingerprints = [.. ids.Select(id => new Fingerprint(id, At, sketch))],
            Pending = [new(At, "db", "disk full on db-2", 0.8f, highlights, gateway), new(At, "db", "disk full on db-3", 0.7f, highlights, "m-1")],
        };
        var json = StoredRecords.PreviousJson(fixture.Services);

        var stored = Storage.Deserialize<AttentionEntry>(Storage.Serialize(entry))!;
        var fromJson = json.Deserialize<AttentionEntry>(json.Serialize(entry))!;

        Assert.Same(stored.Pending[0].Highlights, stored.Pending[1].Highlights);
        Assert.Equal([gateway, "m-1"], stored.Pending.Select(m => m.MatchId));
        Assert.Equal(ids, entry.Fingerprints.Select(f => f.MatchId));
        Assert.Equal(ids, stored.Fingerprints.Select(f => f.MatchId));
        Assert.Equal(ids, fromJson.Fingerprints.Select(f => f.MatchId));
        Assert.Equal(entry.Fingerprints, stored.Fingerprints.Select(f => new Fingerprint(f.MatchId, f.At, sketch)));
        Assert.DoesNotContain("\"Key\"", json.Serialize(entry).ToString());
    }

    [Fact]
    public void A_sketch_of_another_length_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new Fingerprint("m-1", At, new byte[MinHashSignature.Length - 1]));
        Assert.Throws<ArgumentException>(() => new FingerprintWindow().Add(default, At, new byte[MinHashSignature.Length + 1]));
    }

    [Fact]
    public void A_copy_is_the_fingerprint_itself()
    {
        var fingerprint = new Fingerprint("m-1", At, MinHashSignature.SketchOf("disk full on db-2"));

        Assert.Same(fingerprint, fixture.Services.GetRequiredService<DeepCopier>().Copy(fingerprint));
    }
}
