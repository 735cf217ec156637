namespace Ferry.ClusterSim.FieldManagement;

/// <summary>The kinds of <see cref="FieldType"/>.</summary>
internal enum FieldKind
{
    /// <summary>A string, number, boolean or int-or-string: one field.</summary>
    Scalar,

    /// <summary>An object with <c>x-kubernetes-map-type: atomic</c>: one field, replaced whole.</summary>
    Atomic,

    /// <summary>An object with declared properties: each a field.</summary>
    Struct,

    /// <summary>An object with <c>additionalProperties</c>: each entry a field.</summary>
    Map,

    /// <summary>A list replaced whole (<c>x-kubernetes-list-type: atomic</c>, the default).</summary>
    ListAtomic,

    /// <summary>A list of unique scalars, each an item (<c>set</c>).</summary>
    ListSet,

    /// <summary>A list of objects keyed by <c>x-kubernetes-list-map-keys</c>, each an item (<c>map</c>).</summary>
    ListMap,

    /// <summary>A value without a schema: objects are maps of untyped values, lists are atomic.</summary>
    Untyped,
}
