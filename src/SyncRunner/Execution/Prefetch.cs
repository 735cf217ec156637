using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Ferry.SyncRunner.Execution;

/// <summary>Runs a listing ahead on another thread, in chunks, so that two listings of a merge-join overlap.</summary>
internal static class Prefetch
{
    private const int ChunkSize = 512;

    /// <summary>The same items in the same order, produced up to <paramref name="chunks"/> × 512 items ahead.</summary>
    public static async IAsyncEnumerable<T> AheadAsync<T>(IAsyncEnumerable<T> source, int chunks, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<T[]>(new BoundedChannelOptions(chunks) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    var chunk = new List<T>(ChunkSize);
                    await foreach (T item in source.WithCancellation(stop.Token).ConfigureAwait(false))
                    {
                        chunk.Add(item);
                        if (chunk.Count == ChunkSize)
                        {
                            await channel.Writer.WriteAsync([.. chunk], stop.Token).ConfigureAwait(false);
                            chunk.Clear();
                        }
                    }

                    if (chunk.Count > 0)
                    {
                        await channel.Writer.WriteAsync([.. chunk], stop.Token).ConfigureAwait(false);
                    }

                    channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            },
            CancellationToken.None);
        try
        {
            await foreach (T[] chunk in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (T item in chunk)
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
