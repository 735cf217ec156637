using System.Text.Json.Serialization;

namespace Ferry.Kube.Serialization;

/// <summary>Source-generated metadata for the client's internal request bodies.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeleteOptionsBody))]
internal sealed partial class InternalJsonContext : JsonSerializerContext
{
}
