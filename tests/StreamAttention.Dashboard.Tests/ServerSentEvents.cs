using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;

namespace StreamAttention.Dashboard.Tests;

/// <summary>A server-sent-event stream read with .NET's own parser; open once the response headers arrived.</summary>
internal sealed class ServerSentEvents : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    private ServerSentEvents(HttpResponseMessage response, Stream body, CancellationToken cancellationToken)
    {
        _response = response;
        _events = SseParser.Create(body).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    /// <summary>
    /// Returns when the server has answered: the silo sends the headers at once, so the stream is subscribed.
    /// <paramref name="lastEventId"/>: sent as <c>Last-Event-ID</c>, as EventSource does when it reconnects.
    /// </summary>
    public static async Task<ServerSentEvents> OpenAsync(HttpClient http, string path, CancellationToken cancellationToken, string? lastEventId = null)
    {
        var response = await OpenResponseAsync(http, path, cancellationToken, lastEventId);
        return new ServerSentEvents(response, await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken);
    }

    /// <summary>The stream's response, its body unread (for what the parser does not return, e.g. comment lines).</summary>
    public static async Task<HttpResponseMessage> OpenResponseAsync(HttpClient http, string path, CancellationToken cancellationToken, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    /// <summary>The id of the event <see cref="NextAsync"/> read last (null: it had none).</summary>
    public string? EventId => _events.Current.EventId;

    public async Task<(string Type, JsonObject Data)> NextAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Assert.True(await _events.MoveNextAsync(), "the stream ended");
        return (_events.Current.EventType, JsonNode.Parse(_events.Current.Data)!.AsObject());
    }

    public async ValueTask DisposeAsync()
    {
        await _events.DisposeAsync();
        _response.Dispose();
    }
}
