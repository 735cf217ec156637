using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Ferry.ClusterSim.Http;

/// <summary>Counts the API requests a simulator serves, by verb, group, resource, subresource and namespace, with the
/// errors among them and the shortest gap between two requests of the same kind — enough to check that a controller
/// makes O(tasks) requests and writes a status at most so often. Thread-safe; <see cref="Reset"/> starts over.</summary>
/// <remarks>
/// <para>Verbs are the API server's (as in audit logs and RBAC): <c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>,
/// <c>update</c>, <c>patch</c>, <c>delete</c>, <c>deletecollection</c>. A request is counted when it arrives (a watch
/// once, however long it stays open), before authentication and injected faults; it is an error when it is answered
/// with a status code of 400 or more. Requests outside the resource paths (discovery, <c>/version</c>, <c>/healthz</c>)
/// are counted with their method as the verb, their path as <see cref="Key.Resource"/> and an empty group.</para>
/// <para>The standalone simulator serves the counts as JSON at <c>GET /debug/requests</c> (not counted, no token
/// needed); <c>DELETE /debug/requests</c> resets them.</para>
/// </remarks>
public sealed class RequestCounter(TimeProvider time)
{
    /// <summary>The path of the counts endpoint.</summary>
    public const string DebugPath = "/debug/requests";

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();

    /// <summary>Creates a counter on the system clock.</summary>
    public RequestCounter()
        : this(TimeProvider.System)
    {
    }

    /// <summary>What a request did: verb, group (empty for the core group), resource (plural), subresource and
    /// namespace (null when absent).</summary>
    /// <param name="Verb">The API verb, e.g. <c>update</c>.</param>
    /// <param name="Group">The API group, e.g. <c>coordination.k8s.io</c>; empty for core.</param>
    /// <param name="Resource">The plural resource, e.g. <c>leases</c>; for other paths the path itself.</param>
    /// <param name="Subresource">E.g. <c>status</c>, or null.</param>
    /// <param name="Namespace">The namespace in the path, or null.</param>
    public readonly record struct Key(string Verb, string Group, string Resource, string? Subresource, string? Namespace)
    {
        /// <summary>As kubectl names resources: <c>verb resource[.group][/subresource] [-n namespace]</c>.</summary>
        /// <returns>The text.</returns>
        public override string ToString() =>
            $"{Verb} {Resource}{(Group.Length > 0 ? "." + Group : "")}{(Subresource is null ? "" : "/" + Subresource)}{(Namespace is null ? "" : " -n " + Namespace)}";
    }

    /// <summary>The counts of one <see cref="Key"/>.</summary>
    /// <param name="Count">Requests.</param>
    /// <param name="Errors">Requests answered with a status code of 400 or more (e.g. 409 Conflict).</param>
    /// <param name="MinInterval">The shortest time between two consecutive requests of this key; null with fewer than
    /// two.</param>
    /// <param name="First">When the first was received.</param>
    /// <param name="Last">When the last was received.</param>
    public readonly record struct Counts(long Count, long Errors, TimeSpan? MinInterval, DateTimeOffset First, DateTimeOffset Last);

    /// <summary>All requests counted since start or the last <see cref="Reset"/>.</summary>
    public long Total => _entries.Values.Sum(e => e.Snapshot().Count);

    /// <summary>The counts so far, per key.</summary>
    /// <returns>A copy, in no particular order.</returns>
    public IReadOnlyDictionary<Key, Counts> Snapshot() => _entries.ToDictionary(e => e.Key, e => e.Value.Snapshot());

    /// <summary>The number of requests whose key matches <paramref name="predicate"/>.</summary>
    /// <param name="predicate">E.g. <c>k =&gt; k.Resource == "leases" &amp;&amp; k.Verb == "update"</c>.</param>
    /// <returns>The sum of their counts.</returns>
    public long Sum(Func<Key, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return _entries.Where(e => predicate(e.Key)).Sum(e => e.Value.Snapshot().Count);
    }

    /// <summary>Forgets every count (requests in flight at that moment may be counted on either side).</summary>
    public void Reset() => _entries.Clear();

    /// <summary>The counts as a JSON document: <c>{"total": N, "requests": [{"verb", "group", "resource",
    /// "subresource", "namespace", "count", "errors", "minIntervalSeconds", "first", "last"}]}</c>, sorted by key.</summary>
    /// <returns>The document.</returns>
    public JsonObject ToJson()
    {
        var items = new JsonArray();
        long total = 0;
        foreach ((Key key, Counts counts) in Snapshot().OrderBy(e => e.Key.ToString(), StringComparer.Ordinal))
        {
            total += counts.Count;
            items.Add(new JsonObject
            {
                ["verb"] = key.Verb,
                ["group"] = key.Group,
                ["resource"] = key.Resource,
                ["subresource"] = key.Subresource,
                ["namespace"] = key.Namespace,
                ["count"] = counts.Count,
                ["errors"] = counts.Errors,
                ["minIntervalSeconds"] = counts.MinInterval?.TotalSeconds,
                ["first"] = counts.First.ToString("O", CultureInfo.InvariantCulture),
                ["last"] = counts.Last.ToString("O", CultureInfo.InvariantCulture),
            });
        }

        return new JsonObject { ["total"] = total, ["requests"] = items };
    }

    /// <summary>The counts as text, one key a line (<c>COUNT ERRORS KEY</c>), sorted by key, then the total.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        long total = 0;
        foreach ((Key key, Counts counts) in Snapshot().OrderBy(e => e.Key.ToString(), StringComparer.Ordinal))
        {
            total += counts.Count;
            text.Append(CultureInfo.InvariantCulture, $"{counts.Count,8} {counts.Errors,6} {key}\n");
        }

        return text.Append(CultureInfo.InvariantCulture, $"{total,8}        total\n").ToString();
    }

    /// <summary>The key of a request: its API verb and the resource path it names.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The URL path, e.g. <c>/apis/coordination.k8s.io/v1/namespaces/ns/leases/x</c>.</param>
    /// <param name="watchQuery">The <c>watch</c> query parameter, or null.</param>
    /// <returns>The key.</returns>
    internal static Key Classify(string method, string path, string? watchQuery)
    {
        string[] s = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group;
        string[] rest;
        if (s.Length >= 3 && s[0] == "api")
        {
            (group, rest) = ("", s[2..]);
        }
        else if (s.Length >= 4 && s[0] == "apis")
        {
            (group, rest) = (s[1], s[3..]);
        }
        else
        {
            return new Key(method.ToUpperInvariant(), "", "/" + string.Join('/', s), null, null);
        }

        bool watch = watchQuery is "true" or "1" or "True";
        if (rest[0] == "watch")
        {
            watch = true;
            rest = rest[1..];
        }

        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces" && rest[2] is not ("status" or "finalize"))
        {
            ns = rest[1];
            rest = rest[2..];
        }

        if (rest.Length == 0)
        {
            return new Key(method.ToUpperInvariant(), "", "/" + string.Join('/', s), null, null);
        }

        bool named = rest.Length >= 2;
        string verb = method.ToUpperInvariant() switch
        {
            "GET" or "HEAD" when watch => "watch",
            "GET" or "HEAD" => named ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            var other => other.ToLowerInvariant(),
        };
        return new Key(verb, group, rest[0], rest.Length >= 3 ? string.Join('/', rest[2..]) : null, ns);
    }

    /// <summary>Middleware: serves <see cref="DebugPath"/>, else counts the request and passes it on.</summary>
    /// <param name="context">The request.</param>
    /// <param name="next">The API handler.</param>
    /// <returns>A task that completes with the response.</returns>
    internal async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        HttpRequest request = context.Request;
        if (request.Path.Value?.TrimEnd('/') == DebugPath)
        {
            if (HttpMethods.IsDelete(request.Method))
            {
                Reset();
                context.Response.StatusCode = 204;
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(ToJson().ToJsonString(), context.RequestAborted);
            return;
        }

        Key key = Classify(request.Method, request.Path.Value ?? "/", request.Query["watch"]);
        Entry entry = _entries.GetOrAdd(key, _ => new Entry());
        entry.Add(time.GetUtcNow());
        try
        {
            await next(context);
        }
        finally
        {
            if (context.Response.StatusCode >= 400)
            {
                entry.AddError();
            }
        }
    }

    private sealed class Entry
    {
        private readonly Lock _gate = new();
        private long _count;
        private long _errors;
        private TimeSpan? _minInterval;
        private DateTimeOffset _first;
        private DateTimeOffset _last;

        public void Add(DateTimeOffset now)
        {
            lock (_gate)
            {
                if (_count == 0)
                {
                    _first = now;
                }
                else if (now - _last is var gap && (_minInterval is null || gap < _minInterval))
                {
                    _minInterval = gap;
                }

                _last = now;
                _count++;
            }
        }

        public void AddError()
        {
            lock (_gate)
            {
                _errors++;
            }
        }

        public Counts Snapshot()
        {
            lock (_gate)
            {
                return new Counts(_count, _errors, _minInterval, _first, _last);
            }
        }
    }
}
