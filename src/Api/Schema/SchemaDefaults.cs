using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Ferry.Api.Common;

namespace Ferry.Api.Schema;

/// <summary>Fills in, on typed objects, the same defaults the CRD schema makes the API server apply: every
/// <see langword="null"/> property with a <see cref="DefaultValueAttribute"/> (or a
/// <see cref="DefaultOverrideAttribute"/> of its class) gets that value, recursively.</summary>
/// <remarks>For objects that never passed through an API server, e.g. a manifest read by <c>ferry run -f</c>.
/// Like the API server (Kubernetes documentation, "Defaulting"), a default applies only inside an object that is
/// present: an absent <c>credentialsSecretRef</c> stays absent.</remarks>
public static class SchemaDefaults
{
    /// <summary>Applies the defaults to an object graph in place.</summary>
    /// <param name="value">A custom resource, a spec, or any object of the API types.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    public static void Apply(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Type type = value.GetType();
        var overrides = type.GetCustomAttributes<DefaultOverrideAttribute>()
            .ToDictionary(o => o.Property, o => o.Value, StringComparer.Ordinal);
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
            {
                continue;
            }

            object? current = property.GetValue(value);
            if (current is null && property.SetMethod is not null)
            {
                object? defaultValue = overrides.TryGetValue(property.Name, out object? overridden)
                    ? overridden
                    : property.GetCustomAttribute<DefaultValueAttribute>()?.Value;
                if (defaultValue is not null)
                {
                    current = Convert(defaultValue, property.PropertyType);
                    property.SetValue(value, current);
                }
            }

            switch (current)
            {
                case string or IntOrString or null:
                    break;
                case IList list:
                    foreach (object? item in list)
                    {
                        if (item is not null && IsApiType(item.GetType()))
                        {
                            Apply(item);
                        }
                    }

                    break;
                default:
                    if (IsApiType(current.GetType()))
                    {
                        Apply(current);
                    }

                    break;
            }
        }
    }

    private static bool IsApiType(Type type) =>
        type.IsClass && type.Namespace?.StartsWith("Ferry.Api", StringComparison.Ordinal) == true &&
        type != typeof(IntOrString);

    private static object Convert(object value, Type propertyType)
    {
        Type type = Nullable.GetUnderlyingType(propertyType) ?? propertyType;
        return (type, value) switch
        {
            _ when type == typeof(IntOrString) && value is string s => IntOrString.FromString(s),
            _ when type == typeof(IntOrString) => IntOrString.FromInt(System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
            _ when type.IsEnum && value is string name => Enum.Parse(type, name),
            _ => System.Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
