using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Import;

namespace StreamAttention.Server.Apis;

/// <summary><c>POST /interests:import</c>: interests of many users as JSON Lines, streamed, with per-line errors.</summary>
public static class ImportApi
{
    public static RouteHandlerBuilder MapImportApi(this IEndpointRouteBuilder app)
        => app.MapPost("/interests:import", Import)
            .WithTags("Interests")
            .WithSummary("Imports interests from a JSON Lines body: {\"userId\", \"id\", \"text\", \"threshold\"?} per line.")
            .Accepts<ImportLineBody>("application/x-ndjson", "application/jsonl", "text/plain");

    public static async Task<Results<Ok<ImportReport>, ValidationProblem>> Import(HttpRequest request, InterestImporter importer, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var report = await importer.ImportAsync(ReadLines(request.Body, json.Value.SerializerOptions, cancellationToken), cancellationToken);
        return report.Lines == 0
            ? ValidationProblems.Of("body", "The body has no lines; send one JSON object per line: {\"userId\", \"id\", \"text\", \"threshold\"?}.")
            : TypedResults.Ok(report);
    }

    private static async IAsyncEnumerable<ImportLine> ReadLines(Stream body, JsonSerializerOptions json, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            number++;
            if (!string.IsNullOrWhiteSpace(text))
            {
                yield return Parse(number, text, json);
            }
        }
    }

    private static ImportLine Parse(int number, string text, JsonSerializerOptions json)
    {
        try
        {
            return JsonSerializer.Deserialize<ImportLineBody>(text, json) is { } line
                ? new ImportLine(number, line.UserId, new InterestInput(line.Id!, line.Text!, line.Threshold))
                : new ImportLine(number, null, null, "the line is not a JSON object");
        }
        catch (JsonException e)
        {
            return new ImportLine(number, null, null, $"invalid JSON: {e.Message}");
        }
    }
}
