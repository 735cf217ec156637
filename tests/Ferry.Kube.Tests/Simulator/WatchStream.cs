using System.Text.Json.Nodes;

namespace Ferry.Kube.Tests.Simulator;

/// <summary>An open watch response read line by line.</summary>
internal sealed class WatchStream : IAsyncDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private Task<string?>? _pending;

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public int StatusCode => (int)_response.StatusCode;

    public static async Task<WatchStream> OpenAsync(HttpClient client, string pathAndQuery)
    {
        HttpResponseMessage response = await client.GetAsync(pathAndQuery.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        return new WatchStream(response, reader);
    }

    /// <summary>The next event, or null at the end of the stream. Fails the test if nothing arrives for a long time.</summary>
    public async Task<JsonObject?> NextAsync()
    {
        _pending ??= _reader.ReadLineAsync();
        string? line = await _pending.WaitAsync(HangGuard);
        _pending = null;
        return line is null ? null : JsonNode.Parse(line)!.AsObject();
    }

    /// <summary>Whether a line arrived within <paramref name="wait"/> (real time), and its event (null at the end of the stream).</summary>
    public async Task<(bool Arrived, JsonObject? Event)> TryNextAsync(TimeSpan wait)
    {
        _pending ??= _reader.ReadLineAsync();
        Task done = await Task.WhenAny(_pending, Task.Delay(wait));
        if (done != _pending)
        {
            return (false, null);
        }

        string? line = await _pending;
        _pending = null;
        return (true, line is null ? null : JsonNode.Parse(line)!.AsObject());
    }

    /// <summary>Reads to the end of the stream; returns every event.</summary>
    public async Task<List<JsonObject>> ReadToEndAsync()
    {
        var all = new List<JsonObject>();
        while (await NextAsync() is { } e)
        {
            all.Add(e);
        }

        return all;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
