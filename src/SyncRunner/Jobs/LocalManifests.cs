using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api;
using Ferry.Api.Serialization;
using k8s;
using k8s.Models;
using Ferry.Kube.Serialization;

namespace Ferry.SyncRunner.Jobs;

/// <summary>What <c>ferry run -f</c> was given: one Ferry resource (a SyncJob or a ReplicaMirror) and the Secrets and
/// ConfigMaps it refers to.</summary>
/// <param name="Resource">The SyncJob or ReplicaMirror.</param>
/// <param name="Secrets">The Secrets, by name.</param>
/// <param name="ConfigMaps">The ConfigMaps, by name.</param>
internal sealed record LocalManifests(IKubernetesObject<V1ObjectMeta> Resource, Dictionary<string, V1Secret> Secrets, Dictionary<string, V1ConfigMap> ConfigMaps)
{
    /// <summary>Reads manifests: exactly one SyncJob or ReplicaMirror, any number of Secrets and ConfigMaps
    /// (Namespaces and PersistentVolumeClaims are ignored).</summary>
    /// <param name="files">File names (for messages) and their YAML or JSON text.</param>
    /// <returns>The documents.</returns>
    /// <exception cref="ConfigurationException">No Ferry resource, several, or a document of another kind.</exception>
    /// <exception cref="ManifestException">A document is malformed.</exception>
    public static LocalManifests Read(IEnumerable<(string Name, string Text)> files)
    {
        IKubernetesObject<V1ObjectMeta>? resource = null;
        var secrets = new Dictionary<string, V1Secret>(StringComparer.Ordinal);
        var configMaps = new Dictionary<string, V1ConfigMap>(StringComparer.Ordinal);
        foreach ((string file, string text) in files)
        {
            IReadOnlyList<JsonObject> documents = ManifestReader.ReadDocuments(text);
            for (int i = 0; i < documents.Count; i++)
            {
                JsonObject doc = documents[i];
                string? kind = doc["kind"]?.GetValue<string>();
                string? apiVersion = doc["apiVersion"]?.GetValue<string>();
                switch ((apiVersion, kind))
                {
                    case ("v1", "Secret"):
                        V1Secret secret = doc.Deserialize(KubeJson.TypeInfo<V1Secret>())!;
                        secrets[secret.Metadata.Name ?? ""] = secret;
                        break;
                    case ("v1", "ConfigMap"):
                        V1ConfigMap map = doc.Deserialize(KubeJson.TypeInfo<V1ConfigMap>())!;
                        configMaps[map.Metadata.Name ?? ""] = map;
                        break;
                    case ("v1", "Namespace" or "PersistentVolumeClaim"):
                        break;
                    default:
                        if (!ManifestReader.IsFerryObject(doc))
                        {
                            throw new ConfigurationException($"{file}: document {i} is a {kind}; ferry run takes a SyncJob or a ReplicaMirror with its Secrets and ConfigMaps");
                        }

                        IKubernetesObject<V1ObjectMeta> found = ManifestReader.ToObject(doc, i);
                        resource = resource is null ? found : throw new ConfigurationException($"{file}: more than one SyncJob or ReplicaMirror; ferry run runs one");
                        break;
                }
            }
        }

        return new LocalManifests(resource ?? throw new ConfigurationException("no SyncJob or ReplicaMirror in the given files"), secrets, configMaps);
    }
}
