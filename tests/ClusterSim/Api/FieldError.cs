namespace Ferry.ClusterSim.Api;

/// <summary>One cause of an <c>Invalid</c> Status: a field path, a reason and a message.</summary>
/// <param name="Reason">The cause type, e.g. <c>FieldValueRequired</c>, <c>FieldValueInvalid</c>.</param>
/// <param name="Field">The field path, e.g. <c>spec.workers</c>.</param>
/// <param name="Message">What is wrong, in apimachinery's wording, e.g. <c>Required value</c>.</param>
/// <remarks>Mirrors apimachinery's <c>field.Error</c> and its <c>StatusCause</c> form.</remarks>
public sealed record FieldError(string Reason, string Field, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Field}: {Message}";

    internal static FieldError Required(string field) => new("FieldValueRequired", field, "Required value");

    internal static FieldError Invalid(string field, string value, string detail) =>
        new("FieldValueInvalid", field, $"Invalid value: {value}: {detail}");

    internal static FieldError TypeMismatch(string field, string value, string expected) =>
        new("FieldValueTypeInvalid", field, $"Invalid value: {value}: {field} in body must be of type {expected}");

    internal static FieldError NotSupported(string field, string value, IEnumerable<string> supported) =>
        new("FieldValueNotSupported", field,
            $"Unsupported value: {value}: supported values: {string.Join(", ", supported)}");

    internal static FieldError TooMany(string field, int actual, int max) =>
        new("FieldValueTooMany", field, $"Too many: {actual}: must have at most {max} items");

    internal static FieldError Forbidden(string field, string detail) => new("FieldValueForbidden", field, $"Forbidden: {detail}");
}
