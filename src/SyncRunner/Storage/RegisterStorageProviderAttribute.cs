using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Ferry.SyncRunner.Storage;

/// <summary>Registers a storage backend with <see cref="StorageFactory.Default"/>: each backend's folder declares its
/// own <c>[assembly: RegisterStorageProvider(typeof(…))]</c>, so neither the factory nor any list names a backend.</summary>
/// <param name="providerType">A class derived from <see cref="StorageProvider"/> with a public parameterless
/// constructor.</param>
/// <remarks>rclone's <c>fs.Register</c>, done by each <c>backend/&lt;name&gt;</c> package for itself.</remarks>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class RegisterStorageProviderAttribute(
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type providerType) : Attribute
{
    /// <summary>The provider's class.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type ProviderType { get; } = providerType ?? throw new ArgumentNullException(nameof(providerType));

    /// <summary>One instance of every provider <paramref name="assembly"/> registers, ordered by the first scheme.</summary>
    /// <param name="assembly">The assembly whose attributes are read.</param>
    /// <returns>The providers.</returns>
    /// <exception cref="InvalidOperationException">A registered type does not derive from <see cref="StorageProvider"/>.</exception>
    public static IReadOnlyList<StorageProvider> ProvidersIn(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetCustomAttributes<RegisterStorageProviderAttribute>()
            .Select(a => Activator.CreateInstance(a.ProviderType) as StorageProvider
                ?? throw new InvalidOperationException($"{a.ProviderType} is registered as a storage provider but does not derive from {nameof(StorageProvider)}"))
            .OrderBy(p => p.Schemes[0], StringComparer.Ordinal)
            .ToArray();
    }
}
