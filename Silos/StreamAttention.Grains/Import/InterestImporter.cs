using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Text;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Import;

/// <summary>One line of a bulk import: an interest of a user, the user's delivery policy, or why the line could not be read.</summary>
public sealed record ImportLine(int LineNumber, string? UserId, InterestInput? Input, string? Error = null, DeliveryPolicy? Policy = null);

public sealed record ImportLineError(int Line, string Message);

/// <param name="Errors">
/// The first <see cref="InterestImporter.MaxReportedErrors"/> failed lines, in line order, each message cut to
/// <see cref="InterestImporter.MaxErrorMessageLength"/> characters.
/// </param>
public sealed record ImportReport(int Lines, int Imported, int Failed, IReadOnlyList<ImportLineError> Errors);

/// <summary>
/// Imports interests in chunks: a chunk's texts are embedded in one batch across all its users, then each user's
/// lines go to the user grain in one write with their rows and expansions (stored with the interests, so nothing is
/// computed twice), many users at a time, and after them a policy line of the user's, written as <c>PUT …/policy</c>
/// writes it. A line fails alone; a user whose write of its interests fails (e.g. storage) fails all of that user's
/// interest lines in the chunk.
/// </summary>
public sealed class InterestImporter(IGrainFactory grains, InterestEmbedder embedder, InterestValidator validator)
{
    public const int ChunkSize = 4096;
    public const int MaxParallelUsers = 64;
    public const int MaxReportedErrors = 1000;

    /// <summary>
    /// A reported message's length at most: a message can quote its line (a JSON path names the field), so without a cut
    /// the report grew with the lines' length (16 MiB of 16 KB lines: an 8 MB report), not with the errors' count.
    /// </summary>
    public const int MaxErrorMessageLength = 300;

    public async Task<ImportReport> ImportAsync(IAsyncEnumerable<ImportLine> lines, CancellationToken cancellationToken)
    {
        var progress = new Progress();
        var chunk = new List<ImportLine>(ChunkSize);
        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            progress.Lines++;
            if (Check(line) is { } error)
            {
                progress.Fail(line.LineNumber, error);
                continue;
            }
            chunk.Add(line);
            if (chunk.Count == ChunkSize)
            {
                await ImportChunkAsync(chunk, progress, cancellationToken);
                chunk.Clear();
            }
        }
        await ImportChunkAsync(chunk, progress, cancellationToken);
        return new ImportReport(progress.Lines, progress.Imported, progress.Failed, progress.Errors);
    }

    private string? Check(ImportLine line)
        => line.Error
            ?? InterestValidator.ValidateUserId(line.UserId)
            ?? (line.Policy is not null ? null
                : line.Input is null ? "interest is missing"
                : validator.Validate(line.Input, 0) is { } error ? $"{error.Field}: {error.Message}" : null);

    private async Task ImportChunkAsync(List<ImportLine> chunk, Progress progress, CancellationToken cancellationToken)
    {
        var interests = chunk.Where(line => line.Policy is null).ToArray();
        var expansions = new StoredExpansion?[interests.Length];
        var rows = embedder.Embed(interests.Select(line => line.Input!.Text).ToArray(), expansions);
        var policies = chunk.Where(line => line.Policy is not null).ToLookup(line => line.UserId!);
        var users = interests.Select((line, i) => (Line: line, Row: rows[i], Expansion: expansions[i])).ToLookup(item => item.Line.UserId!);
        await Parallel.ForEachAsync(users.Select(user => user.Key).Union(policies.Select(user => user.Key)),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelUsers, CancellationToken = cancellationToken },
            async (user, _) =>
            {
                if (users[user].ToArray() is { Length: > 0 } items)
                {
                    await ImportUserAsync(user, items, progress);
                }
                foreach (var line in policies[user])
                {
                    await ImportPolicyAsync(user, line, progress);
                }
            });
    }

    private async Task ImportPolicyAsync(string userId, ImportLine line, Progress progress)
    {
        string? failure;
        try
        {
            var errors = await grains.GetGrain<IUserGrain>(userId).PutPolicy(line.Policy!);
            failure = errors.Count == 0 ? null : string.Join("; ", errors.Select(error => $"{error.Field}: {error.Message}"));
        }
        catch (Exception e)
        {
            failure = $"user '{userId}' could not be written: {e.Message}";
        }
        lock (progress)
        {
            if (failure is null)
            {
                progress.Imported++;
            }
            else
            {
                progress.Fail(line.LineNumber, failure);
            }
        }
    }

    private async Task ImportUserAsync(string userId, (ImportLine Line, EmbeddedText Row, StoredExpansion? Expansion)[] items, Progress progress)
    {
        try
        {
            var result = await grains.GetGrain<IUserGrain>(userId).PutInterests(items.Select(i => i.Line.Input!).ToArray(), items.Select(i => i.Row).ToArray(),
                items.Select(i => i.Expansion).ToArray());
            lock (progress)
            {
                progress.Imported += result.Stored.Count;
                foreach (var error in result.Errors)
                {
                    progress.Fail(items[error.Index].Line.LineNumber, $"{error.Field}: {error.Message}");
                }
            }
        }
        catch (Exception e)
        {
            lock (progress)
            {
                foreach (var item in items)
                {
                    progress.Fail(item.Line.LineNumber, $"user '{userId}' could not be written: {e.Message}");
                }
            }
        }
    }

    private sealed class Progress
    {
        public int Lines { get; set; }

        public int Imported { get; set; }

        public int Failed { get; private set; }

        /// <summary>The lowest lines that failed, highest first out: a user's lines fail when its batch is written, after later lines failed to parse.</summary>
        private readonly PriorityQueue<ImportLineError, int> _errors = new();

        /// <summary>The first <see cref="MaxReportedErrors"/> failed lines, in line order.</summary>
        public IReadOnlyList<ImportLineError> Errors => [.. _errors.UnorderedItems.Select(e => e.Element).OrderBy(e => e.Line)];

        public void Fail(int line, string message)
        {
            Failed++;
            if (_errors.Count < MaxReportedErrors)
            {
                _errors.Enqueue(new ImportLineError(line, Cut(message)), -line);
            }
            else if (_errors.TryPeek(out _, out var highest) && line < -highest)
            {
                _errors.EnqueueDequeue(new ImportLineError(line, Cut(message)), -line);
            }
        }

        /// <summary>The message, or its start and an ellipsis in <see cref="MaxErrorMessageLength"/> characters (never half a surrogate pair).</summary>
        private static string Cut(string message)
            => message.Length <= MaxErrorMessageLength ? message : TextCut.Start(message, MaxErrorMessageLength - TextCut.Ellipsis.Length);
    }
}
