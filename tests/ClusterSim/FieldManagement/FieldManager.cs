using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.OpenApi;
using Ferry.ClusterSim.Resources;

namespace Ferry.ClusterSim.FieldManagement;

/// <summary>The API server's field manager: keeps <c>metadata.managedFields</c> on every write and does server-side
/// apply with ownership. An update (create, replace, non-apply patch) makes its manager own every field it added or
/// changed, taking them from every other manager; an apply makes its manager own exactly the fields of its
/// configuration, removes the fields it applied before and no longer applies unless another manager owns them, and is
/// a 409 Conflict naming the other manager and the field when it would change a field another manager owns, unless
/// forced (then it takes them).</summary>
/// <remarks>Kubernetes "Server-Side Apply" (field management, conflicts, merge strategy) as apimachinery's field
/// manager and structured-merge-diff implement it: <c>apiVersion</c>, <c>kind</c> and the server-owned metadata
/// (<c>name</c>, <c>namespace</c>, <c>uid</c>, <c>resourceVersion</c>, <c>generation</c>, <c>creationTimestamp</c>,
/// <c>managedFields</c>, deletion fields) are never owned; on kinds with a status subresource the main resource owns
/// nothing under <c>status</c> and <c>/status</c> nothing else. Not modelled: the cap of ten update entries
/// (<c>ancient-changes</c>), the <c>before-first-apply</c> entry for objects without managed fields, and the conversion
/// of owned fields between API versions.</remarks>
internal static class FieldManager
{
    private static readonly FieldSet Stripped = StrippedFields();

    private static readonly FieldSet Status = StatusScope();

    private static FieldSet StrippedFields()
    {
        var set = new FieldSet();
        set.Insert(["f:apiVersion"]);
        set.Insert(["f:kind"]);
        set.Insert(["f:metadata"]);
        foreach (var field in new[] { "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds" })
        {
            set.Insert(["f:metadata", "f:" + field]);
        }

        return set;
    }

    private static FieldSet StatusScope()
    {
        var set = new FieldSet();
        set.Insert(["f:status"]);
        return set;
    }

    /// <summary>The field type of objects of <paramref name="type"/> in <paramref name="version"/>: the CRD version's
    /// schema, or the upstream schema of a built-in kind (untyped when the bundled documents lack it).</summary>
    public static FieldType RootType(ResourceType type, string version)
    {
        if (type.IsCustom)
        {
            return (type.FindVersion(version) ?? type.StorageVersion).Schema is { } schema ? FieldType.OfCrdSchema(schema) : FieldType.Untyped;
        }

        return FieldType.Of(UpstreamOpenApi.KindSchema(type.Group, (type.FindVersion(version) ?? type.StorageVersion).Name, type.Kind));
    }

    /// <summary>The managed fields after an update by <paramref name="writer"/> from <paramref name="live"/> (null on
    /// create) to <paramref name="result"/>, starting from <paramref name="entries"/>.</summary>
    public static JsonArray Update(FieldWriter writer, JsonObject? live, JsonObject result, List<ManagedFieldsEntry> entries, string now)
    {
        var changes = Diff(writer, live, result);
        if (changes.IsSame)
        {
            return ManagedFieldsEntry.Encode(entries);
        }

        var changed = changes.Changed;
        foreach (var entry in entries)
        {
            entry.Fields = entry.Fields.Difference(changed).Difference(changes.Removed);
        }

        var self = Find(entries, writer, ManagedFieldsEntry.Update);
        self.Fields = self.Fields.Union(changed);
        self.Time = now;
        return ManagedFieldsEntry.Encode(entries);
    }

    /// <summary>Applies <paramref name="config"/> by <paramref name="writer"/> to <paramref name="live"/> (null on create).</summary>
    /// <returns>The merged object (live fields the configuration dropped and nobody else owns removed) and its managed
    /// fields.</returns>
    /// <exception cref="StatusException">409 Conflict when the apply changes fields other managers own and is not
    /// forced.</exception>
    public static (JsonObject Merged, JsonArray ManagedFields) Apply(FieldWriter writer, JsonObject? live, JsonObject config, bool force, string now)
    {
        var entries = ManagedFieldsEntry.Decode(live?["metadata"]?["managedFields"]);
        var cleanLive = Clean(live) ?? new JsonObject();
        var cleanConfig = Clean(config)!;
        var merged = TypedFields.Merge(cleanLive, cleanConfig, writer.Root);
        var applied = Scope(writer, TypedFields.ToFieldSet(cleanConfig, writer.Root).Difference(Stripped));
        var existing = entries.FirstOrDefault(e => e.Is(writer.Manager, ManagedFieldsEntry.Apply, writer.ApiVersion, writer.Subresource));
        var others = entries.Where(e => !ReferenceEquals(e, existing)).ToList();
        if (existing is not null)
        {
            var owned = others.Aggregate(applied, (set, e) => set.Union(e.Fields));
            foreach (var path in existing.Fields.Difference(owned).Paths().ToList())
            {
                if (!owned.ContainsOrUnder(path))
                {
                    TypedFields.Remove(merged, path, writer.Root);
                }
            }
        }

        var changes = Diff(writer, live is null ? null : cleanLive, merged);
        var changed = changes.Changed;
        var conflicts = others.Select(e => (Entry: e, Fields: e.Fields.Intersection(changed))).Where(c => !c.Fields.IsEmpty).ToList();
        if (conflicts.Count > 0 && !force)
        {
            throw ConflictError(conflicts);
        }

        foreach (var entry in others)
        {
            entry.Fields = entry.Fields.Difference(changed).Difference(changes.Removed);
        }

        var self = existing ?? Find(entries, writer, ManagedFieldsEntry.Apply);
        var before = existing?.Fields.ToFieldsV1().ToJsonString();
        self.Fields = applied;
        self.ApiVersion = writer.ApiVersion;
        if (!changes.IsSame || existing is null || before != applied.ToFieldsV1().ToJsonString())
        {
            self.Time = now;
        }

        return (merged, ManagedFieldsEntry.Encode(entries));
    }

    private static ManagedFieldsEntry Find(List<ManagedFieldsEntry> entries, FieldWriter writer, string operation)
    {
        var entry = entries.FirstOrDefault(e => e.Is(writer.Manager, operation, writer.ApiVersion, writer.Subresource));
        if (entry is null)
        {
            entry = new ManagedFieldsEntry { Manager = writer.Manager, Operation = operation, ApiVersion = writer.ApiVersion, Subresource = writer.Subresource };
            entries.Add(entry);
        }

        return entry;
    }

    /// <summary>The change, without the fields nobody owns and outside the writer's part of the object.</summary>
    private static Comparison Diff(FieldWriter writer, JsonObject? before, JsonObject after)
    {
        var changes = TypedFields.Compare(Clean(before), Clean(after), writer.Root, structs: writer.Type.IsCustom).Without(Stripped);
        return writer.Type.HasStatus ? changes.Restricted(Status, inside: writer.Subresource == "status") : changes;
    }

    private static FieldSet Scope(FieldWriter writer, FieldSet set) =>
        writer.Type.HasStatus ? Comparison.Restrict(set, Status, inside: writer.Subresource == "status") : set;

    /// <summary>A copy without <c>metadata.managedFields</c>.</summary>
    private static JsonObject? Clean(JsonObject? obj)
    {
        if (obj is null)
        {
            return null;
        }

        var copy = obj.DeepClone().AsObject();
        (copy["metadata"] as JsonObject)?.Remove("managedFields");
        return copy;
    }

    /// <summary>The 409 the API server answers: <c>Apply failed with 1 conflict: conflict with "m" using v1: .data.a</c>,
    /// or for several <c>Apply failed with N conflicts: conflicts with "m" using v1:\n- .a\n- .b</c> (managers sorted), with
    /// one <c>FieldManagerConflict</c> cause per field.</summary>
    internal static StatusException ConflictError(IReadOnlyList<(ManagedFieldsEntry Entry, FieldSet Fields)> conflicts)
    {
        var all = conflicts.SelectMany(c => c.Fields.Paths().Select(p => (Manager: c.Entry.Describe(), Path: FieldSet.Render(p)))).ToList();
        var causes = new JsonArray();
        foreach (var (manager, path) in all)
        {
            causes.Add(new JsonObject { ["reason"] = "FieldManagerConflict", ["message"] = $"conflict with {manager}", ["field"] = path });
        }

        string message;
        if (all.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {all[0].Manager}: {all[0].Path}";
        }
        else
        {
            var lines = all.GroupBy(c => c.Manager).OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => g.Select(c => "- " + c.Path).Prepend($"conflicts with {g.Key}:"));
            message = $"Apply failed with {all.Count} conflicts: {string.Join("\n", lines)}";
        }

        return new StatusException(409, "Conflict", message, new JsonObject { ["causes"] = causes });
    }
}
