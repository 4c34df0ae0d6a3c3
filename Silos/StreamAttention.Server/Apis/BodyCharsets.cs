using System.Text;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace StreamAttention.Server.Apis;

/// <summary>
/// A body is read in its content type's charset: the JSON routes' <c>ReadFromJsonAsync</c> transcodes it, the import
/// reads its lines in it. A charset .NET does not know is a 415 on every route that takes a body, where
/// <c>ReadFromJsonAsync</c> failed with a 500.
/// </summary>
public static class BodyCharsets
{
    public const string Readable = "UTF-8 (the default), UTF-16, UTF-32, US-ASCII or ISO-8859-1";

    /// <summary>The request's charset (UTF-8 without one) and its encoding, null for a charset .NET does not know.</summary>
    public static (string Name, Encoding? Encoding) Of(HttpRequest request, DecoderFallback decoderFallback)
    {
        var charset = HeaderUtilities.RemoveQuotes(request.GetTypedHeaders().ContentType?.Charset ?? StringSegment.Empty);
        var name = StringSegment.IsNullOrEmpty(charset) ? "utf-8" : charset.Value!;
        try
        {
            return (name, Encoding.GetEncoding(name, EncoderFallback.ReplacementFallback, decoderFallback));
        }
        catch (ArgumentException)
        {
            return (name, null);
        }
    }

    public static WebApplication UseReadableBodyCharsets(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            // Only where a body is taken (as the OpenAPI document declares the 415): a route that reads none ignores the header.
            if (context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is not null && Of(context.Request, DecoderFallback.ReplacementFallback) is (var name, null))
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type",
                    $"The body's charset ({name}) is not one this server reads: {Readable}.");
                return;
            }
            await next(context);
        });
        return app;
    }
}
