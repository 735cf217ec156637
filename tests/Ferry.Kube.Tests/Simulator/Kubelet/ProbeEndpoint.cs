using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ferry.Kube.Tests.Simulator.Kubelet;

/// <summary>An HTTP endpoint on 127.0.0.1 for the kubelet's probes to reach: it answers every request with
/// <see cref="StatusCode"/> (changeable at run time) and records the request lines and User-Agent headers it saw.</summary>
internal sealed class ProbeEndpoint : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<string> _requests = [];

    public ProbeEndpoint(int statusCode)
    {
        StatusCode = statusCode;
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>The port it listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The status code of every answer.</summary>
    public int StatusCode { get; set; }

    /// <summary>Each request as <c>REQUEST-LINE | User-Agent</c>.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        using var stream = client.GetStream();
                        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                        var line = await reader.ReadLineAsync() ?? "";
                        string? agent = null;
                        for (var header = await reader.ReadLineAsync(); !string.IsNullOrEmpty(header); header = await reader.ReadLineAsync())
                        {
                            if (header.StartsWith("User-Agent:", StringComparison.OrdinalIgnoreCase))
                            {
                                agent = header["User-Agent:".Length..].Trim();
                            }
                        }

                        lock (_requests)
                        {
                            _requests.Add($"{line} | {agent}");
                        }

                        var answer = Encoding.ASCII.GetBytes($"HTTP/1.1 {StatusCode} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        await stream.WriteAsync(answer);
                    }
                    catch (IOException)
                    {
                        // The prober gave up (timeout).
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
