using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ferry.Api.Serialization;

/// <summary>Reads Kubernetes manifests: multi-document YAML (or JSON, which is YAML) into JSON objects, and Ferry's
/// kinds into their types.</summary>
/// <remarks>Plain scalars are typed by the YAML 1.2 core schema (<c>true</c>, <c>42</c>, <c>1.5</c>, <c>null</c>);
/// quoted scalars are strings. Empty documents are skipped; a <c>v1</c> <c>List</c> contributes its items,
/// as with <c>kubectl apply -f</c>.</remarks>
public static partial class ManifestReader
{
    /// <summary>Reads every non-empty document as a JSON object.</summary>
    /// <param name="reader">The YAML text.</param>
    /// <returns>The objects in document order.</returns>
    /// <exception cref="ManifestException">The YAML is malformed, a document is not a mapping, or a mapping
    /// repeats a key.</exception>
    public static IReadOnlyList<JsonObject> ReadDocuments(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var stream = new YamlStream();
        try
        {
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ManifestException($"Malformed YAML at line {e.Start.Line}: {e.Message}", -1, e.Start.Line, e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this for some unterminated flow collections.
            throw new ManifestException($"Malformed YAML: {e.Message}", -1, 0, e);
        }

        var result = new List<JsonObject>();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            if (root is YamlScalarNode { Style: ScalarStyle.Plain } empty && IsNull(empty.Value))
            {
                continue;
            }

            if (ToJson(root, i) is not JsonObject obj)
            {
                throw new ManifestException($"Document {i} (line {root.Start.Line}) is not a mapping.", i, root.Start.Line);
            }

            if (obj["apiVersion"]?.GetValue<string>() == "v1" && obj["kind"]?.GetValue<string>() == "List" &&
                obj["items"] is JsonArray items)
            {
                foreach (var item in items)
                {
                    if (item is JsonObject itemObject)
                    {
                        result.Add((JsonObject)itemObject.DeepClone());
                    }
                }

                continue;
            }

            result.Add(obj);
        }

        return result;
    }

    /// <summary>Reads every non-empty document as a JSON object.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <returns>The objects in document order.</returns>
    /// <exception cref="ManifestException">See <see cref="ReadDocuments(TextReader)"/>.</exception>
    public static IReadOnlyList<JsonObject> ReadDocuments(string yaml) => ReadDocuments(new StringReader(yaml));

    /// <summary>Reads every document as a typed Ferry object (<see cref="SyncJob"/> or <see cref="ReplicaMirror"/>).</summary>
    /// <param name="reader">The YAML text.</param>
    /// <returns>The objects in document order.</returns>
    /// <exception cref="ManifestException">The YAML is malformed, a document has another <c>apiVersion</c>/<c>kind</c>,
    /// or it does not fit its type (a wrong value type, a missing required field).</exception>
    public static IReadOnlyList<IKubernetesObject> Read(TextReader reader)
    {
        var documents = ReadDocuments(reader);
        var result = new List<IKubernetesObject>(documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            var document = documents[i];
            var apiVersion = StringOrNull(document["apiVersion"]);
            var kind = StringOrNull(document["kind"]);
            result.Add((apiVersion, kind) switch
            {
                (ApiGroup.ApiVersion, SyncJob.KindName) => Deserialize(document, ApiJsonContext.Default.SyncJob, i),
                (ApiGroup.ApiVersion, ReplicaMirror.KindName) => Deserialize(document, ApiJsonContext.Default.ReplicaMirror, i),
                _ => throw new ManifestException(
                    $"Document {i} has apiVersion '{apiVersion}' and kind '{kind}'; expected {ApiGroup.ApiVersion} " +
                    $"{SyncJob.KindName} or {ReplicaMirror.KindName}.", i, 0),
            });
        }

        return result;
    }

    /// <summary>Reads every document as a typed Ferry object.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <returns>The objects in document order.</returns>
    /// <exception cref="ManifestException">See <see cref="Read(TextReader)"/>.</exception>
    public static IReadOnlyList<IKubernetesObject> Read(string yaml) => Read(new StringReader(yaml));

    private static T Deserialize<T>(JsonObject document, JsonTypeInfo<T> typeInfo, int index)
    {
        try
        {
            return document.Deserialize(typeInfo) ??
                throw new ManifestException($"Document {index} is empty.", index, 0);
        }
        catch (JsonException e)
        {
            throw new ManifestException($"Document {index} is not a valid {typeof(T).Name}: {e.Message}", index, 0, e);
        }
    }

    private static string? StringOrNull(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    private static JsonNode? ToJson(YamlNode node, int index)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
            {
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                    {
                        throw new ManifestException(
                            $"Document {index}, line {keyNode.Start.Line}: mapping keys must be scalars.", index, keyNode.Start.Line);
                    }

                    if (obj.ContainsKey(key))
                    {
                        throw new ManifestException(
                            $"Document {index}, line {keyNode.Start.Line}: duplicate key '{key}'.", index, keyNode.Start.Line);
                    }

                    obj[key] = ToJson(valueNode, index);
                }

                return obj;
            }

            case YamlSequenceNode sequence:
            {
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item, index));
                }

                return array;
            }

            case YamlScalarNode scalar:
                return Scalar(scalar);

            default:
                throw new ManifestException($"Document {index}, line {node.Start.Line}: unsupported node.", index, node.Start.Line);
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain || scalar.Tag == "tag:yaml.org,2002:str")
        {
            return JsonValue.Create(text);
        }

        if (IsNull(text))
        {
            return null;
        }

        switch (text)
        {
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(text) &&
            long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(text) &&
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    private static bool IsNull(string? text) => text is null or "" or "~" or "null" or "Null" or "NULL";

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
