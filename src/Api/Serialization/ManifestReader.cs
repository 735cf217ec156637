using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ferry.Api.Serialization;

/// <summary>Reads Kubernetes manifests: multi-document YAML (or JSON, which is YAML) into JSON objects, and Ferry's
/// kinds into their types.</summary>
/// <remarks>Plain scalars are typed as kubectl types them (Go's YAML 1.1 reader): <c>true</c>/<c>yes</c>/<c>on</c>,
/// <c>42</c>, <c>0x1F</c>, <c>017</c> (octal), <c>1.5</c>, <c>null</c>/<c>~</c>; quoted scalars are strings. Merge keys
/// (<c>&lt;&lt;</c>) are not supported. Empty documents are skipped; a <c>v1</c> <c>List</c> contributes its items,
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
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Read(TextReader reader)
    {
        var documents = ReadDocuments(reader);
        var result = new List<IKubernetesObject<V1ObjectMeta>>(documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            result.Add(ToObject(documents[i], i));
        }

        return result;
    }

    /// <summary>Whether a document is one of Ferry's kinds (<c>ferry.io/v1alpha1</c> SyncJob or ReplicaMirror), so
    /// that callers reading files that mix kinds (e.g. Secrets and a SyncJob) can pick those out of
    /// <see cref="ReadDocuments(TextReader)"/>.</summary>
    /// <param name="document">A document from <see cref="ReadDocuments(TextReader)"/>.</param>
    /// <returns><see langword="true"/> for a Ferry kind.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> is null.</exception>
    public static bool IsFerryObject(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return StringOrNull(document["apiVersion"]) == ApiGroup.ApiVersion &&
            StringOrNull(document["kind"]) is SyncJob.KindName or ReplicaMirror.KindName;
    }

    /// <summary>Converts one document to its typed Ferry object.</summary>
    /// <param name="document">A document from <see cref="ReadDocuments(TextReader)"/>.</param>
    /// <param name="documentIndex">The document's index, for error messages.</param>
    /// <returns>A <see cref="SyncJob"/> or a <see cref="ReplicaMirror"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> is null.</exception>
    /// <exception cref="ManifestException">The document is another kind or does not fit its type.</exception>
    public static IKubernetesObject<V1ObjectMeta> ToObject(JsonObject document, int documentIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(document);
        var apiVersion = StringOrNull(document["apiVersion"]);
        var kind = StringOrNull(document["kind"]);
        return (apiVersion, kind) switch
        {
            (ApiGroup.ApiVersion, SyncJob.KindName) => Deserialize(document, ApiJsonContext.Default.SyncJob, documentIndex),
            (ApiGroup.ApiVersion, ReplicaMirror.KindName) => Deserialize(document, ApiJsonContext.Default.ReplicaMirror, documentIndex),
            _ => throw new ManifestException(
                $"Document {documentIndex} has apiVersion '{apiVersion}' and kind '{kind}'; expected {ApiGroup.ApiVersion} " +
                $"{SyncJob.KindName} or {ReplicaMirror.KindName}.", documentIndex, 0),
        };
    }

    /// <summary>Reads every document as a typed Ferry object.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <returns>The objects in document order.</returns>
    /// <exception cref="ManifestException">See <see cref="Read(TextReader)"/>.</exception>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Read(string yaml) => Read(new StringReader(yaml));

    private static T Deserialize<T>(JsonObject document, JsonTypeInfo<T> typeInfo, int index)
    {
        // The types' Spec is not a C# required member (see SyncJob.Spec), so its presence is checked here.
        if (document["spec"] is not JsonObject)
        {
            throw new ManifestException($"Document {index} is not a valid {typeof(T).Name}: it has no spec object.", index, 0);
        }

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
                        if (keyNode is not YamlScalarNode keyScalar || KeyText(keyScalar) is not { } key)
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
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N":
                return JsonValue.Create(false);
        }

        if (Integer(text) is { } integer)
        {
            return JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(text) &&
            double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    /// <summary>A mapping key as Go's YAML reader turns it into a JSON key: plain <c>on</c> becomes <c>"true"</c>,
    /// <c>017</c> becomes <c>"15"</c>.</summary>
    private static string? KeyText(YamlScalarNode key) => Scalar(key) switch
    {
        null => "null",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        var other => other.ToJsonString(),
    };

    /// <summary>YAML 1.1 integers as Go's YAML reader (and so kubectl) resolves them: decimal, <c>0x</c> hex,
    /// <c>0b</c> binary, <c>0o</c> or leading-zero octal, with optional sign and <c>_</c> separators.</summary>
    private static long? Integer(string text)
    {
        var match = IntegerPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var digits = match.Groups["digits"].Value.Replace("_", "", StringComparison.Ordinal);
        var radix = match.Groups["prefix"].Value switch
        {
            "0x" => 16,
            "0b" => 2,
            "0o" or "0" => 8,
            _ => 10,
        };
        if (digits.Length == 0)
        {
            return radix == 8 ? 0 : null;
        }

        try
        {
            var magnitude = radix == 10
                ? long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture)
                : System.Convert.ToInt64(digits, radix);
            return text[0] == '-' ? -magnitude : magnitude;
        }
        catch (Exception e) when (e is OverflowException or FormatException)
        {
            return null;
        }
    }

    private static bool IsNull(string? text) => text is null or "" or "~" or "null" or "Null" or "NULL";

    [GeneratedRegex("^[-+]?(?:(?<prefix>0x)(?<digits>[0-9a-fA-F_]+)|(?<prefix>0b)(?<digits>[01_]+)|(?<prefix>0o?)(?<digits>[0-7_]*)|(?<digits>[1-9][0-9_]*))$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
