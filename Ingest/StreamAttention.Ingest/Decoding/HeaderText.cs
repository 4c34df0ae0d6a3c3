using System.Text;
using System.Text.Unicode;
using Confluent.Kafka;

namespace StreamAttention.Ingest.Decoding;

/// <summary>A header the ingest reads as text (user, origin, tenant): its value, or null when it is blank or not UTF-8.</summary>
internal static class HeaderText
{
    /// <summary>
    /// The <see cref="DeadLetterReasons.InvalidField"/> detail for header <paramref name="name"/> given more than once
    /// with different values (byte for byte), or null: read last-wins, such a header would route the message by
    /// whichever copy a producer or proxy happened to append last.
    /// </summary>
    public static string? Ambiguity(Headers headers, string name)
    {
        // Indexed, not enumerated or listed: this runs on every message's decode and allocates nothing.
        byte[]? first = null;
        var copies = 0;
        var differ = false;
        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Key != name)
            {
                continue;
            }
            var value = headers[i].GetValueBytes() ?? [];
            copies++;
            differ |= first is not null && !value.AsSpan().SequenceEqual(first);
            first ??= value;
        }
        return differ ? $"header '{name}' is given {copies} times with different values" : null;
    }

    public static string? Of(byte[]? value)
        => value is not null && Utf8.IsValid(value) && Encoding.UTF8.GetString(value) is var text && !string.IsNullOrWhiteSpace(text) ? text : null;
}
