using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Ferry.ClusterSim.Resources;
using Ferry.ClusterSim.Selectors;

namespace Ferry.ClusterSim.Storage;

/// <summary>One open watch: its filter and the queue of events not yet written to the client.</summary>
internal sealed class WatchSubscription(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, ClusterStore store)
    : IDisposable
{
    private readonly Channel<WatchEvent> _channel = Channel.CreateUnbounded<WatchEvent>();
    private readonly CancellationTokenSource _dropped = new();

    public string TypeKey { get; } = type.Key;

    public ResourceType Type { get; } = type;

    public ChannelWriter<WatchEvent> Writer => _channel.Writer;

    public ChannelReader<WatchEvent> Reader => _channel.Reader;

    public int Pending => _channel.Reader.Count;

    /// <summary>Cancelled when the watch is dropped by fault injection.</summary>
    public CancellationToken Dropped => _dropped.Token;

    /// <summary>Drops the watch (fault injection, or the simulator shutting down).</summary>
    public void Drop()
    {
        try
        {
            _dropped.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The watch ended (its client went away) between being listed and being dropped: nothing left to drop.
        }
    }

    /// <summary>Maps a store event to what this watcher sees: MODIFIED becomes ADDED or DELETED when the object
    /// enters or leaves the selection; null when the watcher sees nothing.</summary>
    public WatchEvent? Filter(WatchEvent e)
    {
        if (e.Type == "BOOKMARK")
        {
            return e;
        }

        bool now = ClusterStore.Matches(Type, e.Object, ns, labels, fields);
        bool before = e.Old is not null && ClusterStore.Matches(Type, e.Old, ns, labels, fields);
        return e.Type switch
        {
            "ADDED" => now ? e : null,
            "DELETED" => now || before ? e : null,
            _ when now && before => e,
            _ when now => e with { Type = "ADDED" },
            _ when before => e with { Type = "DELETED" },
            _ => null,
        };
    }

    public static WatchEvent Bookmark(ResourceType type, long resourceVersion, bool initialEventsEnd = false)
    {
        var meta = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new WatchEvent("BOOKMARK", new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion(type.StorageVersion.Name), ["metadata"] = meta },
            null, resourceVersion, type.Key);
    }

    public void Dispose()
    {
        store.Unsubscribe(this);
        _dropped.Dispose();
    }
}
