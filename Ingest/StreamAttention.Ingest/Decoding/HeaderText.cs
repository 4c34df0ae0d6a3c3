using System.Text;
using System.Text.Unicode;

namespace StreamAttention.Ingest.Decoding;

/// <summary>A header the ingest reads as text (user, origin, tenant): its value, or null when it is blank or not UTF-8.</summary>
internal static class HeaderText
{
    public static string? Of(byte[]? value)
        => value is not null && Utf8.IsValid(value) && Encoding.UTF8.GetString(value) is var text && !string.IsNullOrWhiteSpace(text) ? text : null;
}
