using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Tests.Support;

/// <summary>
/// Wraps a store and records every <see cref="ListAsync"/> call and how many recursive listings were open at
/// once. With <see cref="HoldUntilConcurrent"/> set, each recursive listing waits before its first entry until
/// that many recursive listings are open together (or <see cref="HoldTimeout"/> passes, which fails the listing),
/// which proves listings run concurrently without timing anything.
/// </summary>
public sealed class RecordingStorage(IObjectStorage inner) : IObjectStorage
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open;
    private int _maxOpen;

    public ConcurrentQueue<ListOptions> Calls { get; } = new();

    public int HoldUntilConcurrent { get; init; }

    /// <summary>Awaited before each listing starts.</summary>
    public Func<ListOptions, Task>? BeforeList { get; init; }

    /// <summary>Called after each successful put, with its key.</summary>
    public Action<string>? AfterPut { get; init; }

    public TimeSpan HoldTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest number of recursive listings open at the same time.</summary>
    public int MaxConcurrentRecursive => Volatile.Read(ref _maxOpen);

    public string DisplayName => "recording:" + inner.DisplayName;

    public StorageCapabilities Capabilities => inner.Capabilities;

    public async IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(options);
        if (BeforeList is not null)
        {
            await BeforeList(options);
        }

        if (!options.Recursive)
        {
            await foreach (ObjectEntry e in inner.ListAsync(options, cancellationToken))
            {
                yield return e;
            }

            yield break;
        }

        int open = Interlocked.Increment(ref _open);
        try
        {
            int max;
            while (open > (max = Volatile.Read(ref _maxOpen)) && Interlocked.CompareExchange(ref _maxOpen, open, max) != max)
            {
            }

            if (HoldUntilConcurrent > 0)
            {
                if (open >= HoldUntilConcurrent)
                {
                    _gate.TrySetResult();
                }

                try
                {
                    await _gate.Task.WaitAsync(HoldTimeout, cancellationToken);
                }
                catch (TimeoutException)
                {
                    throw new StorageException(StorageErrorKind.Other, $"only {Volatile.Read(ref _open)} recursive listing(s) were open at once, expected {HoldUntilConcurrent}");
                }
            }

            await foreach (ObjectEntry e in inner.ListAsync(options, cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    public Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default) => inner.HeadAsync(key, cancellationToken);

    public Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(key, offset, length, cancellationToken);

    public async Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default)
    {
        await inner.PutAsync(key, content, size, options, cancellationToken);
        AfterPut?.Invoke(key);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default) => inner.CreateDirectoryAsync(key, options, cancellationToken);

    public Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default) => inner.CreateSymlinkAsync(key, target, cancellationToken);

    public Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default) =>
        inner.SetAttributesAsync(key, mode, modifiedTime, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
