using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ferry.Api.Common;

/// <summary>Reads and writes <see cref="IntOrString"/> as a bare JSON number or string.</summary>
public sealed class IntOrStringJsonConverter : JsonConverter<IntOrString>
{
    /// <inheritdoc/>
    /// <exception cref="JsonException">The token is neither an integer nor a string.</exception>
    public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetInt64(out long n) => IntOrString.FromInt(n),
            JsonTokenType.String => IntOrString.FromString(reader.GetString()!),
            _ => throw new JsonException($"Expected an integer or a string, found {reader.TokenType}."),
        };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        if (value.IntValue is { } n)
        {
            writer.WriteNumberValue(n);
        }
        else
        {
            writer.WriteStringValue(value.StringValue);
        }
    }
}
