using StreamAttention.Embeddings;
using StreamAttention.Scoring;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// One scoring run: the messages of requests against the same index, concatenated into one call of the scorer, and
/// the pairs split back per request. A run that throws fails all of its requests.
/// </summary>
public sealed class ScoringRun(Func<TokenBatch, InterestIndex, List<RowMatch>> score, int dimension)
{
    /// <summary>The requests grouped by index (by reference): each group is one run.</summary>
    public static IEnumerable<ScoringRequest[]> ByIndex(IEnumerable<ScoringRequest> requests)
        => requests.GroupBy(r => r.Index, ReferenceEqualityComparer.Instance).Select(g => g.ToArray());

    /// <summary>Scores <paramref name="requests"/> (all against one index) and completes each with its own pairs.</summary>
    public void Execute(IReadOnlyList<ScoringRequest> requests)
    {
        try
        {
            var index = requests[0].Index;
            var results = requests.Select(_ => new List<RowMatch>()).ToArray();
            if (index.Count > 0)
            {
                var starts = new int[requests.Count];
                for (var r = 1; r < requests.Count; r++)
                {
                    starts[r] = starts[r - 1] + requests[r - 1].Messages.Count;
                }
                var messages = TokenBatch.FromRows(requests.SelectMany(r => r.Messages).ToArray(), dimension);
                var pairs = score(messages, index);
                if (requests.Count == 1)
                {
                    // The run's pairs are the request's own: no copy of thousands of pairs.
                    results[0] = pairs;
                }
                else
                {
                    Split(pairs, starts, results);
                }
            }
            for (var r = 0; r < requests.Count; r++)
            {
                requests[r].Completion.TrySetResult(results[r]);
            }
        }
        catch (Exception e)
        {
            foreach (var request in requests)
            {
                request.Completion.TrySetException(e);
            }
        }
    }

    /// <summary>Each pair to its request, named by its row in that request's messages.</summary>
    private static void Split(List<RowMatch> pairs, int[] starts, List<RowMatch>[] results)
    {
        foreach (var pair in pairs)
        {
            var r = Array.BinarySearch(starts, pair.MessageIndex);
            // Not found: the complement of the next start; several requests may start at one index when some are empty.
            r = r >= 0 ? LastStartingAt(starts, r) : ~r - 1;
            results[r].Add(pair with { MessageIndex = pair.MessageIndex - starts[r] });
        }
    }

    private static int LastStartingAt(int[] starts, int found)
    {
        while (found + 1 < starts.Length && starts[found + 1] == starts[found])
        {
            found++;
        }
        return found;
    }
}
