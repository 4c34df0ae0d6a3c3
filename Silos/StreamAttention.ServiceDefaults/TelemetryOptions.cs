using System.ComponentModel.DataAnnotations;

namespace Microsoft.Extensions.Hosting;

/// <summary>Section "Telemetry": where traces and metrics go besides the Prometheus scrape endpoint.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// OTLP collector, e.g. http://127.0.0.1:4317. Unset: the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> environment
    /// variable decides (with its <c>OTEL_EXPORTER_OTLP_*</c> companions); neither set: no OTLP export.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>The protocol to <see cref="OtlpEndpoint"/>: "grpc" (the OTLP default) or "http/protobuf".</summary>
    [RegularExpression("^(grpc|http/protobuf)$", ErrorMessage = "Telemetry:OtlpProtocol must be 'grpc' or 'http/protobuf'.")]
    public string OtlpProtocol { get; set; } = "grpc";
}
