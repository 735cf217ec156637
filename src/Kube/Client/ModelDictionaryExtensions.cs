namespace Ferry.Kube.Client;

/// <summary>Lookups in the <see cref="IDictionary{TKey, TValue}"/> maps of KubernetesClient's models
/// (<c>metadata.annotations</c>, <c>data</c> of a ConfigMap or Secret), which
/// <see cref="CollectionExtensions.GetValueOrDefault{TKey, TValue}(IReadOnlyDictionary{TKey, TValue}, TKey)"/> does not serve.</summary>
public static class ModelDictionaryExtensions
{
    /// <summary>The value under <paramref name="key"/>, or <see langword="null"/> when the map or the key is absent.</summary>
    /// <typeparam name="TValue">The value type, e.g. <see cref="string"/> or <see cref="byte"/>[].</typeparam>
    /// <param name="map">The map, possibly <see langword="null"/> (an omitted field).</param>
    /// <param name="key">The key.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public static TValue? GetOrNull<TValue>(this IDictionary<string, TValue>? map, string key)
        where TValue : class =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;
}
