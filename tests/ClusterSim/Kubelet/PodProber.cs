using System.Net.Sockets;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>Runs one running container's probes as the kubelet's prober does: the startup probe first (liveness and
/// readiness wait for it), then liveness and readiness side by side, each every <see cref="ContainerProbe.Period"/>.
/// Reports the container's <c>started</c> and <c>ready</c> state as it changes, each failure (the kubelet's
/// <c>Unhealthy</c> Event), and asks for the container to be killed when a startup or liveness probe has failed
/// <see cref="ContainerProbe.FailureThreshold"/> times in a row.</summary>
/// <remarks>Kubernetes "Pod Lifecycle", "Container probes": a container without a readiness probe is ready once started;
/// with one it is not ready until the probe has succeeded <see cref="ContainerProbe.SuccessThreshold"/> times, and becomes
/// unready after <see cref="ContainerProbe.FailureThreshold"/> failures. The kubelet would restart a container its
/// liveness probe kills; the process kubelet does not restart containers, so the pod ends (Failed) and its controller
/// replaces it. Probes reach 127.0.0.1 (pods share the host's network) with wall-clock timing.</remarks>
internal sealed class PodProber : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.Zero,
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    private readonly ContainerProbe? _startup;
    private readonly ContainerProbe? _liveness;
    private readonly ContainerProbe? _readiness;
    private readonly Action<bool, bool> _changed;
    private readonly Action<string> _unhealthy;
    private readonly Action<string> _kill;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task _loop = Task.CompletedTask;
    private bool _started;
    private bool _ready;

    /// <param name="startup">The startup probe, or null.</param>
    /// <param name="liveness">The liveness probe, or null.</param>
    /// <param name="readiness">The readiness probe, or null.</param>
    /// <param name="changed">Called with (started, ready) whenever either changes.</param>
    /// <param name="unhealthy">Called with the message of each failed run (<c>Readiness probe failed: ...</c>).</param>
    /// <param name="kill">Called once with the reason when the container is to be killed.</param>
    public PodProber(ContainerProbe? startup, ContainerProbe? liveness, ContainerProbe? readiness,
        Action<bool, bool> changed, Action<string> unhealthy, Action<string> kill)
    {
        _startup = startup is { Runnable: true } ? startup : null;
        _liveness = liveness is { Runnable: true } ? liveness : null;
        _readiness = readiness is { Runnable: true } ? readiness : null;
        _changed = changed;
        _unhealthy = unhealthy;
        _kill = kill;
    }

    /// <summary>Whether any probe will run (else the container is started and ready at once).</summary>
    public bool HasProbes => _startup is not null || _liveness is not null || _readiness is not null;

    /// <summary>The state the container starts in: started unless a startup probe runs; ready when started and no
    /// readiness probe runs.</summary>
    public (bool Started, bool Ready) Initial => (_startup is null, _startup is null && _readiness is null);

    /// <summary>Starts probing in the background.</summary>
    public void Start()
    {
        (_started, _ready) = Initial;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_startup is not null)
            {
                if (!await RunAsync(_startup, (ok, runs) => ok ? Verdict.Done : runs >= _startup.FailureThreshold ? Verdict.Kill : Verdict.Continue, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                Report(started: true, ready: _readiness is null);
            }

            var loops = new List<Task>();
            if (_liveness is { } liveness)
            {
                loops.Add(RunAsync(liveness, (ok, runs) => !ok && runs >= liveness.FailureThreshold ? Verdict.Kill : Verdict.Continue, cancellationToken));
            }

            if (_readiness is { } readiness)
            {
                loops.Add(RunAsync(readiness, (ok, runs) =>
                {
                    if (ok && runs >= readiness.SuccessThreshold)
                    {
                        Report(started: true, ready: true);
                    }
                    else if (!ok && runs >= readiness.FailureThreshold)
                    {
                        Report(started: true, ready: false);
                    }

                    return Verdict.Continue;
                }, cancellationToken));
            }

            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The container ended or the pod was deleted.
        }
    }

    private enum Verdict
    {
        Continue,
        Done,
        Kill,
    }

    /// <summary>Runs <paramref name="probe"/> until <paramref name="judge"/> (given the result and how many results in a
    /// row were the same) says done or kill.</summary>
    /// <returns>False when the container was killed.</returns>
    private async Task<bool> RunAsync(ContainerProbe probe, Func<bool, int, Verdict> judge, CancellationToken cancellationToken)
    {
        await Task.Delay(probe.InitialDelay, cancellationToken).ConfigureAwait(false);
        var streak = 0;
        bool? last = null;
        while (true)
        {
            var (ok, message) = await ProbeAsync(probe, cancellationToken).ConfigureAwait(false);
            streak = last == ok ? streak + 1 : 1;
            last = ok;
            if (!ok)
            {
                _unhealthy($"{probe.Kind} probe failed: {message}");
            }

            switch (judge(ok, streak))
            {
                case Verdict.Done:
                    return true;
                case Verdict.Kill:
                    _stop.Cancel();
                    _kill(probe.Kind == "Startup" ? "failed startup probe" : "failed liveness probe");
                    return false;
            }

            await Task.Delay(probe.Period, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Report(bool started, bool ready)
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested || (started == _started && ready == _ready))
            {
                return;
            }

            (_started, _ready) = (started, ready);
        }

        _changed(started, ready);
    }

    /// <summary>One run of a probe: (success, the failure message as the kubelet words it).</summary>
    internal static async Task<(bool Ok, string Message)> ProbeAsync(ContainerProbe probe, CancellationToken cancellationToken)
    {
        if (probe.Error is { } error)
        {
            return (false, error);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(probe.Timeout);
        var address = $"{probe.Host}:{probe.Port}";
        if (!probe.IsHttp)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(probe.Host, probe.Port, timeout.Token).ConfigureAwait(false);
                return (true, "");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (false, $"dial tcp {address}: i/o timeout");
            }
            catch (SocketException e)
            {
                return (false, $"dial tcp {address}: connect: {Describe(e)}");
            }
        }

        var url = $"{probe.Scheme!.ToLowerInvariant()}://{address}{probe.Path}";
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = true;
            request.Headers.TryAddWithoutValidation("User-Agent", "kube-probe/1.32");
            request.Headers.TryAddWithoutValidation("Accept", "*/*");
            foreach (var (name, value) in probe.Headers)
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400 ? (true, "") : (false, $"HTTP probe failed with statuscode: {code}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
        }
        catch (HttpRequestException e)
        {
            var detail = e.InnerException is SocketException s ? $"dial tcp {address}: connect: {Describe(s)}" : e.Message;
            return (false, $"Get \"{url}\": {detail}");
        }
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.TimedOut => "i/o timeout",
        _ => e.Message,
    };

    /// <summary>Stops probing and waits for the loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
