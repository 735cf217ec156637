using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Resources;

/// <summary>The kinds being served: the built-in ones and those of established CustomResourceDefinitions.</summary>
/// <remarks>Thread-safe; discovery reads a snapshot.</remarks>
public sealed class ResourceRegistry
{
    private readonly Lock _gate = new();
    private readonly List<ResourceType> _types = [];

    internal ResourceRegistry()
    {
        _types.AddRange(BuiltInResources.All());
    }

    /// <summary>A snapshot of all served kinds, built-in kinds first.</summary>
    public IReadOnlyList<ResourceType> Types
    {
        get
        {
            lock (_gate)
            {
                return [.. _types];
            }
        }
    }

    /// <summary>The kind served at <c>group/version/plural</c>, or <see langword="null"/>.</summary>
    public ResourceType? Find(string group, string version, string plural)
    {
        lock (_gate)
        {
            return _types.FirstOrDefault(t => t.Group == group && t.Plural == plural && t.FindVersion(version) is not null);
        }
    }

    /// <summary>The kind with <paramref name="group"/> and <paramref name="plural"/> in any version, or <see langword="null"/>.</summary>
    public ResourceType? Find(string group, string plural)
    {
        lock (_gate)
        {
            return _types.FirstOrDefault(t => t.Group == group && t.Plural == plural);
        }
    }

    /// <summary>The kind for an <c>apiVersion</c> and <c>kind</c> pair, or <see langword="null"/>.</summary>
    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        int slash = apiVersion.IndexOf('/');
        string group = slash < 0 ? "" : apiVersion[..slash];
        string version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        lock (_gate)
        {
            return _types.FirstOrDefault(t => t.Group == group && t.Kind == kind && t.FindVersion(version) is not null);
        }
    }

    internal void AddOrReplace(ResourceType type)
    {
        lock (_gate)
        {
            _types.RemoveAll(t => t.Group == type.Group && t.Plural == type.Plural);
            _types.Add(type);
        }
    }

    internal void Remove(string group, string plural)
    {
        lock (_gate)
        {
            _types.RemoveAll(t => t.IsCustom && t.Group == group && t.Plural == plural);
        }
    }

    /// <summary>Reads a CustomResourceDefinition object into the kind it defines.</summary>
    /// <exception cref="StatusException">422 Invalid when required CRD fields are missing.</exception>
    internal static ResourceType FromCrd(JsonObject crd)
    {
        string name = crd["metadata"]?["name"]?.GetValue<string>() ?? "";
        var errors = new List<FieldError>();
        var spec = crd["spec"] as JsonObject;
        string group = spec?["group"]?.GetValue<string>() ?? "";
        var names = spec?["names"] as JsonObject;
        string plural = names?["plural"]?.GetValue<string>() ?? "";
        string kind = names?["kind"]?.GetValue<string>() ?? "";
        string scope = spec?["scope"]?.GetValue<string>() ?? "";
        if (group.Length == 0)
        {
            errors.Add(FieldError.Required("spec.group"));
        }

        if (plural.Length == 0)
        {
            errors.Add(FieldError.Required("spec.names.plural"));
        }

        if (kind.Length == 0)
        {
            errors.Add(FieldError.Required("spec.names.kind"));
        }

        if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(FieldError.NotSupported("spec.scope", $"\"{scope}\"", ["\"Cluster\"", "\"Namespaced\""]));
        }

        if (errors.Count == 0 && name != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", $"\"{name}\"", "must be spec.names.plural+\".\"+spec.group"));
        }

        var versions = new List<ResourceVersion>();
        int storageCount = 0;
        if (spec?["versions"] is JsonArray vs)
        {
            foreach (JsonObject v in vs.OfType<JsonObject>())
            {
                bool served = JsonValues.Bool(v["served"]) ?? false;
                bool storage = JsonValues.Bool(v["storage"]) ?? false;
                if (storage)
                {
                    storageCount++;
                }

                if (!served && !storage)
                {
                    continue;
                }

                var version = new ResourceVersion(
                    v["name"]?.GetValue<string>() ?? "",
                    v["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject,
                    v["additionalPrinterColumns"]?.DeepClone() as JsonArray,
                    v["subresources"]?["status"] is not null);
                if (storage)
                {
                    versions.Insert(0, version);
                }
                else
                {
                    versions.Add(version);
                }
            }
        }

        if (versions.Count == 0)
        {
            errors.Add(FieldError.Required("spec.versions"));
        }
        else if (storageCount != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", $"{storageCount}", "must have exactly one version marked as storage version"));
        }

        if (errors.Count > 0)
        {
            throw StatusException.Invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, errors);
        }

        return new ResourceType
        {
            Group = group,
            Kind = kind,
            Plural = plural,
            Singular = names?["singular"]?.GetValue<string>() ?? kind.ToLowerInvariant(),
            ShortNames = (names?["shortNames"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToList() ?? [],
            Categories = (names?["categories"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToList() ?? [],
            Namespaced = scope == "Namespaced",
            Versions = versions,
            IsCustom = true,
        };
    }
}
