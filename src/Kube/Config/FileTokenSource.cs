namespace Ferry.Kube.Config;

/// <summary>A bearer token read from a file and re-read periodically, because the kubelet rotates projected
/// service-account tokens (kubeconfig <c>tokenFile</c>, the in-cluster token).</summary>
/// <remarks>kubernetes-client/csharp and client-go re-read the token about once a minute; a read failure keeps
/// serving the last good token (the file is replaced atomically, but may briefly be missing).</remarks>
public sealed class FileTokenSource : ITokenSource
{
    private readonly string _path;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private string? _token;
    private long _readAt;

    /// <summary>Creates the source; the file is read on first use.</summary>
    /// <param name="path">The token file.</param>
    /// <param name="refreshInterval">How long a read token is used before the file is read again; default 1 minute.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    public FileTokenSource(string path, TimeSpan? refreshInterval = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
        _refreshInterval = refreshInterval ?? TimeSpan.FromMinutes(1);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The token file's path.</summary>
    public string Path => _path;

    /// <inheritdoc />
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = _timeProvider.GetTimestamp();
            if (_token is not null && _timeProvider.GetElapsedTime(_readAt, now) < _refreshInterval)
            {
                return ValueTask.FromResult(_token);
            }

            try
            {
                var text = File.ReadAllText(_path).Trim();
                if (text.Length == 0)
                {
                    throw new IOException($"The token file {_path} is empty.");
                }

                _token = text;
                _readAt = now;
            }
            catch (Exception e) when (_token is not null && e is IOException or UnauthorizedAccessException)
            {
                // Keep the last good token; try again on the next request.
            }

            return ValueTask.FromResult(_token!);
        }
    }
}
