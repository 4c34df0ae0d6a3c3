using System.Text;
using Confluent.Kafka;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

public sealed class DeadLetterCutTests
{
    private static readonly Headers DeadLetterOwn = new() { { DeadLetterHeaders.Error, "malformed-json"u8.ToArray() }, { DeadLetterHeaders.ErrorDetail, "bad"u8.ToArray() } };

    private static readonly IReadOnlySet<string> DroppedLast = DeadLetterHeaders.DroppedLast("tenant");

    [Fact]
    public void A_message_that_fits_is_kept_whole_with_the_dead_letter_headers_after_its_own()
    {
        var message = DeadLetterCut.Fit(10_000, "k"u8.ToArray(), [new Header("origin", "test"u8.ToArray())], "value"u8.ToArray(), DeadLetterOwn, DroppedLast);

        Assert.Equal(("k", "value"), (Encoding.UTF8.GetString(message.Key!), Encoding.UTF8.GetString(message.Value!)));
        Assert.Equal(["origin", DeadLetterHeaders.Error, DeadLetterHeaders.ErrorDetail], message.Headers.Select(h => h.Key));
        Assert.False(DeadLetterCut.IsCut(message.Headers));
    }

    [Fact]
    public void A_value_too_large_is_cut_to_the_room_its_key_and_headers_leave()
    {
        var value = Enumerable.Range(0, 20_000).Select(i => (byte)i).ToArray();

        var message = DeadLetterCut.Fit(10_000, new byte[100], [new Header("h", new byte[900])], value, DeadLetterOwn, DroppedLast);

        Assert.True(SizeOf(message) <= 10_000);
        Assert.InRange(message.Value!.Length, 8_000, 9_000);
        Assert.Equal(value[..message.Value.Length], message.Value);
        Assert.Equal("20000", Header(message, DeadLetterHeaders.ValueTruncatedFrom));
        Assert.Equal((100, 900), (message.Key!.Length, message.Headers.GetLastBytes("h").Length));
        Assert.True(DeadLetterCut.IsCut(message.Headers));
    }

    /// <summary>The value was cut at a byte count, so half a character could end it: a text value's dead letter was no longer UTF-8.</summary>
    [Theory]
    [InlineData("é", 0)]
    [InlineData("€", 0)]
    [InlineData("€", 1)]
    [InlineData("😀", 2)]
    public void A_text_value_or_key_is_cut_at_a_character_boundary(string character, int asciiBefore)
    {
        // Each byte count the room can leave falls once inside a character among the room's last few bytes.
        for (var shift = 0; shift < 4; shift++)
        {
            var text = new string('a', asciiBefore + shift) + string.Concat(Enumerable.Repeat(character, 20_000));
            var bytes = Encoding.UTF8.GetBytes(text);

            var valueCut = DeadLetterCut.Fit(10_000, "k"u8.ToArray(), [], bytes, DeadLetterOwn, DroppedLast);
            var keyCut = DeadLetterCut.Fit(10_000, bytes, [], null, DeadLetterOwn, DroppedLast);

            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            Assert.StartsWith(strict.GetString(valueCut.Value!), text, StringComparison.Ordinal);
            Assert.StartsWith(strict.GetString(keyCut.Key!), text, StringComparison.Ordinal);
            Assert.InRange(valueCut.Value!.Length, 9_000, 10_000);
            Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(valueCut, DeadLetterHeaders.ValueTruncatedFrom));
            Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(keyCut, DeadLetterHeaders.KeyTruncatedFrom));
        }
    }

    [Fact]
    public void Headers_that_leave_no_room_are_dropped_last_first_and_counted()
    {
        var message = DeadLetterCut.Fit(10_000, new byte[10], [new Header("a", new byte[3_000]), new Header("b", new byte[4_000]), new Header("c", new byte[5_000])], new byte[10], DeadLetterOwn, DroppedLast);

        Assert.True(SizeOf(message) <= 10_000);
        Assert.Equal(["a", "b"], message.Headers.Select(h => h.Key).Where(k => k.Length == 1));
        Assert.Equal(("1", "10"), (Header(message, DeadLetterHeaders.HeadersDropped), Header(message, DeadLetterHeaders.ValueTruncatedFrom)));
        Assert.Empty(message.Value!);
        Assert.Equal("malformed-json", Header(message, DeadLetterHeaders.Error));
    }

    /// <summary>The last header was dropped first whatever it was: a cut dead letter lost its message's trace context and origin.</summary>
    [Fact]
    public void The_trace_context_and_the_input_headers_the_ingest_reads_are_dropped_after_every_other_header()
    {
        var traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8.ToArray();
        IHeader[] headers =
        [
            new Header("a", new byte[3_000]), new Header(DeadLetterHeaders.Origin, "in/0/7"u8.ToArray()), new Header("b", new byte[4_000]),
            new Header("tenant", "acme"u8.ToArray()), new Header("traceparent", traceparent), new Header("tracestate", "k=v"u8.ToArray()),
        ];

        var message = DeadLetterCut.Fit(5_000, new byte[10], headers, new byte[10], DeadLetterOwn, DroppedLast);

        Assert.True(SizeOf(message) <= 5_000);
        Assert.Equal(["a", DeadLetterHeaders.Origin, "tenant", "traceparent", "tracestate"], message.Headers.Select(h => h.Key).Take(5));
        Assert.Equal(traceparent, message.Headers.GetLastBytes("traceparent"));
        Assert.Equal("1", Header(message, DeadLetterHeaders.HeadersDropped));

        var tight = DeadLetterCut.Fit(700, new byte[10], headers, new byte[10], DeadLetterOwn, DroppedLast);

        Assert.True(SizeOf(tight) <= 700);
        Assert.Equal([DeadLetterHeaders.Origin, "tenant", "traceparent", "tracestate"], tight.Headers.Select(h => h.Key).Take(4));
        Assert.Equal("2", Header(tight, DeadLetterHeaders.HeadersDropped));

        var keyCut = DeadLetterCut.Fit(700, new byte[5_000], headers, null, DeadLetterOwn, DroppedLast);

        Assert.True(SizeOf(keyCut) <= 700);
        Assert.Equal([DeadLetterHeaders.Origin, "tenant", "traceparent", "tracestate"], keyCut.Headers.Select(h => h.Key).Take(4));
        Assert.Equal(("2", "5000"), (Header(keyCut, DeadLetterHeaders.HeadersDropped), Header(keyCut, DeadLetterHeaders.KeyTruncatedFrom)));
        Assert.InRange(keyCut.Key!.Length, 1, 700);
    }

    [Fact]
    public void A_key_too_large_is_cut_after_every_header_of_the_message_is_dropped()
    {
        var key = Enumerable.Range(0, 50_000).Select(i => (byte)i).ToArray();

        var message = DeadLetterCut.Fit(10_000, key, [new Header("origin", "test"u8.ToArray())], null, DeadLetterOwn, DroppedLast);

        Assert.True(SizeOf(message) <= 10_000);
        Assert.Equal(key[..message.Key!.Length], message.Key);
        Assert.InRange(message.Key.Length, 9_000, 10_000);
        Assert.Equal(("50000", "1", null), (Header(message, DeadLetterHeaders.KeyTruncatedFrom), Header(message, DeadLetterHeaders.HeadersDropped), Header(message, DeadLetterHeaders.ValueTruncatedFrom)));
        Assert.Null(message.Value);
        Assert.True(DeadLetterCut.IsCut(message.Headers));
    }

    [Fact]
    public void A_long_detail_is_cut_to_whole_characters_within_its_limit()
    {
        var detail = "$.attributes." + string.Concat(Enumerable.Repeat("é😀", 5_000));

        var cut = DeadLetterCut.Detail(detail);

        Assert.InRange(Encoding.UTF8.GetByteCount(cut), DeadLetterCut.MaxDetailBytes - 6, DeadLetterCut.MaxDetailBytes);
        Assert.EndsWith("…", cut);
        Assert.StartsWith(cut[..^1], detail);
        Assert.False(char.IsHighSurrogate(cut[^2]));
        Assert.Equal("short", DeadLetterCut.Detail("short"));
    }

    [Fact]
    public void A_details_control_and_bidirectional_formatting_characters_are_escaped()
    {
        var detail = DeadLetterCut.Detail("tenant 'a\u0000b\u202Ec\u2066d\u200Fe\tf\u007Fg' and 'Zürich 東京 😀'");

        Assert.Equal("tenant 'a\\u0000b\\u202Ec\\u2066d\\u200Fe\\u0009f\\u007Fg' and 'Zürich 東京 😀'", detail);
    }

    [Fact]
    public void A_long_detail_is_cut_after_its_escapes()
    {
        var cut = DeadLetterCut.Detail(new string('\u202E', DeadLetterCut.MaxDetailBytes));

        Assert.InRange(Encoding.UTF8.GetByteCount(cut), DeadLetterCut.MaxDetailBytes - 6, DeadLetterCut.MaxDetailBytes);
        Assert.StartsWith("\\u202E\\u202E", cut);
        Assert.DoesNotContain('\u202E', cut);
    }

    private static int SizeOf(Message<byte[]?, byte[]?> message)
        => (message.Key?.Length ?? 0) + (message.Value?.Length ?? 0) + message.Headers.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + h.GetValueBytes().Length);

    private static string? Header(Message<byte[]?, byte[]?> message, string name)
        => message.Headers.TryGetLastBytes(name, out var value) ? Encoding.ASCII.GetString(value) : null;
}
