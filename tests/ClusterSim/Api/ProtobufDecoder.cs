using System.Text;
using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Api;

/// <summary>Decodes the few Kubernetes protobuf request bodies kubectl's typed commands send
/// (<c>kubectl create namespace|configmap|secret|serviceaccount</c>) into JSON.</summary>
/// <remarks>Kubernetes protobuf encoding ("Protobuf serialization and internal storage" design): the magic
/// <c>k8s\0</c>, then a <c>runtime.Unknown</c> (typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2) whose
/// <c>raw</c> is the object's message. Field numbers come from <c>k8s.io/api/core/v1/generated.proto</c> and
/// <c>apimachinery/pkg/apis/meta/v1/generated.proto</c>. Other kinds, and fields not listed here, are not decoded.</remarks>
internal static class ProtobufDecoder
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    /// <summary>Decodes <paramref name="body"/>.</summary>
    /// <exception cref="StatusException">415 when the envelope or the kind is not one the simulator decodes.</exception>
    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Unsupported("the protobuf body has no k8s envelope");
        }

        string apiVersion = "", kind = "";
        byte[] raw = [];
        foreach (var (field, value) in Fields(body.AsMemory(Magic.Length)))
        {
            if (field == 1 && value is ReadOnlyMemory<byte> typeMeta)
            {
                foreach (var (f, v) in Fields(typeMeta))
                {
                    if (f == 1)
                    {
                        apiVersion = Str(v);
                    }
                    else if (f == 2)
                    {
                        kind = Str(v);
                    }
                }
            }
            else if (field == 2 && value is ReadOnlyMemory<byte> r)
            {
                raw = r.ToArray();
            }
        }

        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        foreach (var (field, value) in Fields(raw))
        {
            switch (kind, field, value)
            {
                case (_, 1, ReadOnlyMemory<byte> meta):
                    obj["metadata"] = ObjectMeta(meta);
                    break;
                case ("Namespace", _, _) or ("ServiceAccount", _, _):
                    break;
                case ("ConfigMap", 2, ReadOnlyMemory<byte> entry):
                    AddEntry(obj, "data", entry, base64: false);
                    break;
                case ("ConfigMap", 3, ReadOnlyMemory<byte> entry):
                    AddEntry(obj, "binaryData", entry, base64: true);
                    break;
                case ("ConfigMap", 4, ulong immutable):
                    obj["immutable"] = immutable != 0;
                    break;
                case ("Secret", 2, ReadOnlyMemory<byte> entry):
                    AddEntry(obj, "data", entry, base64: true);
                    break;
                case ("Secret", 3, ReadOnlyMemory<byte> type):
                    obj["type"] = Str(type);
                    break;
                case ("Secret", 4, ReadOnlyMemory<byte> entry):
                    AddEntry(obj, "stringData", entry, base64: false);
                    break;
                case ("Secret", 5, ulong immutable):
                    obj["immutable"] = immutable != 0;
                    break;
                case ("ConfigMap" or "Secret", _, _):
                    break;
                case ("SelfSubjectReview", _, _):
                    break;
                case ("SelfSubjectAccessReview", 2, ReadOnlyMemory<byte> spec):
                    obj["spec"] = AccessReviewSpec(spec);
                    break;
                case ("SelfSubjectRulesReview", 2, ReadOnlyMemory<byte> spec):
                    obj["spec"] = new JsonObject { ["namespace"] = Fields(spec).Where(f => f.Field == 1).Select(f => Str(f.Value)).FirstOrDefault() ?? "" };
                    break;
                case ("TokenRequest", 2, ReadOnlyMemory<byte> spec):
                    obj["spec"] = TokenRequestSpec(spec);
                    break;
                case ("SelfSubjectAccessReview" or "SelfSubjectRulesReview" or "TokenRequest", _, _):
                    break;
                case ("DeleteOptions", _, _):
                    DeleteOptionsField(obj, field, value);
                    break;
                default:
                    throw Unsupported($"protobuf bodies of kind {kind} are not supported by the simulator; send JSON");
            }
        }

        return obj;
    }

    /// <summary>meta/v1 DeleteOptions (what client-go sends with a delete, e.g. Helm purging its release Secrets):
    /// gracePeriodSeconds = 1, preconditions = 2 {uid = 1, resourceVersion = 2}, orphanDependents = 3,
    /// propagationPolicy = 4, dryRun = 5 (repeated).</summary>
    private static void DeleteOptionsField(JsonObject obj, int field, object value)
    {
        switch (field, value)
        {
            case (1, ulong seconds):
                obj["gracePeriodSeconds"] = (long)seconds;
                break;
            case (2, ReadOnlyMemory<byte> preconditions):
                var result = new JsonObject();
                foreach (var (f, v) in Fields(preconditions))
                {
                    if (f is 1 or 2)
                    {
                        result[f == 1 ? "uid" : "resourceVersion"] = Str(v);
                    }
                }

                obj["preconditions"] = result;
                break;
            case (3, ulong orphan):
                obj["orphanDependents"] = orphan != 0;
                break;
            case (4, ReadOnlyMemory<byte> policy):
                obj["propagationPolicy"] = Str(policy);
                break;
            case (5, ReadOnlyMemory<byte> dryRun):
                (obj["dryRun"] ??= new JsonArray()).AsArray().Add(Str(dryRun));
                break;
        }
    }

    /// <summary>authorization/v1 SelfSubjectAccessReviewSpec: resourceAttributes = 1 {namespace, verb, group, version,
    /// resource, subresource, name = 1..7}, nonResourceAttributes = 2 {path = 1, verb = 2}.</summary>
    private static JsonObject AccessReviewSpec(ReadOnlyMemory<byte> spec)
    {
        var result = new JsonObject();
        foreach (var (field, value) in Fields(spec))
        {
            if (value is not ReadOnlyMemory<byte> message)
            {
                continue;
            }

            string[] names = field == 1 ? ["namespace", "verb", "group", "version", "resource", "subresource", "name"] : ["path", "verb"];
            var attributes = new JsonObject();
            foreach (var (f, v) in Fields(message))
            {
                if (f >= 1 && f <= names.Length && v is ReadOnlyMemory<byte>)
                {
                    attributes[names[f - 1]] = Str(v);
                }
            }

            result[field == 1 ? "resourceAttributes" : "nonResourceAttributes"] = attributes;
        }

        return result;
    }

    /// <summary>authentication/v1 TokenRequestSpec: audiences = 1 (repeated), expirationSeconds = 4, boundObjectRef = 3
    /// {kind = 1, apiVersion = 2, name = 3, uid = 4}.</summary>
    private static JsonObject TokenRequestSpec(ReadOnlyMemory<byte> spec)
    {
        var audiences = new JsonArray();
        var result = new JsonObject { ["audiences"] = audiences };
        foreach (var (field, value) in Fields(spec))
        {
            switch (field, value)
            {
                case (1, ReadOnlyMemory<byte> a):
                    audiences.Add(Str(a));
                    break;
                case (4, ulong seconds):
                    result["expirationSeconds"] = (long)seconds;
                    break;
                case (3, ReadOnlyMemory<byte> bound):
                    var reference = new JsonObject();
                    string[] names = ["kind", "apiVersion", "name", "uid"];
                    foreach (var (f, v) in Fields(bound))
                    {
                        if (f >= 1 && f <= 4)
                        {
                            reference[names[f - 1]] = Str(v);
                        }
                    }

                    result["boundObjectRef"] = reference;
                    break;
            }
        }

        return result;
    }

    private static StatusException Unsupported(string message) => new(415, "UnsupportedMediaType", message);

    /// <summary>ObjectMeta; empty strings (which gogo protobuf writes for Go's zero values) are left out, as JSON's
    /// <c>omitempty</c> does.</summary>
    private static JsonObject ObjectMeta(ReadOnlyMemory<byte> meta)
    {
        var m = new JsonObject();
        foreach (var (field, value) in Fields(meta))
        {
            switch (field, value)
            {
                case (1, ReadOnlyMemory<byte> v) when v.Length > 0:
                    m["name"] = Str(v);
                    break;
                case (2, ReadOnlyMemory<byte> v) when v.Length > 0:
                    m["generateName"] = Str(v);
                    break;
                case (3, ReadOnlyMemory<byte> v) when v.Length > 0:
                    m["namespace"] = Str(v);
                    break;
                case (6, ReadOnlyMemory<byte> v) when v.Length > 0:
                    m["resourceVersion"] = Str(v);
                    break;
                case (11, ReadOnlyMemory<byte> v):
                    AddEntry(m, "labels", v, base64: false);
                    break;
                case (12, ReadOnlyMemory<byte> v):
                    AddEntry(m, "annotations", v, base64: false);
                    break;
                case (14, ReadOnlyMemory<byte> v):
                    (m["finalizers"] ??= new JsonArray()).AsArray().Add(Str(v));
                    break;
            }
        }

        return m;
    }

    private static void AddEntry(JsonObject target, string property, ReadOnlyMemory<byte> entry, bool base64)
    {
        string key = "", value = "";
        foreach (var (f, v) in Fields(entry))
        {
            if (f == 1)
            {
                key = Str(v);
            }
            else if (f == 2 && v is ReadOnlyMemory<byte> bytes)
            {
                value = base64 ? Convert.ToBase64String(bytes.Span) : Encoding.UTF8.GetString(bytes.Span);
            }
        }

        ((target[property] ??= new JsonObject()).AsObject())[key] = value;
    }

    private static string Str(object value) => value is ReadOnlyMemory<byte> bytes ? Encoding.UTF8.GetString(bytes.Span) : "";

    /// <summary>The fields of one message: varints as <see cref="ulong"/>, length-delimited as bytes; fixed-width
    /// fields are skipped.</summary>
    private static IEnumerable<(int Field, object Value)> Fields(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message.Span, ref position);
            var field = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    yield return (field, ReadVarint(message.Span, ref position));
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    {
                        var length = (int)ReadVarint(message.Span, ref position);
                        if (length < 0 || position + length > message.Length)
                        {
                            throw Unsupported("truncated protobuf body");
                        }

                        yield return (field, message.Slice(position, length));
                        position += length;
                        break;
                    }

                case 5:
                    position += 4;
                    break;
                default:
                    throw Unsupported("malformed protobuf body");
            }
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length)
            {
                throw Unsupported("truncated protobuf body");
            }

            var b = span[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw Unsupported("malformed protobuf varint");
    }
}
