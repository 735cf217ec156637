namespace Ferry.ClusterSim.FieldManagement;

/// <summary>What changed between two versions of an object, as field sets.</summary>
/// <param name="Added">Fields and list items that appeared.</param>
/// <param name="Modified">Fields whose value changed.</param>
/// <param name="Removed">Fields and list items that went.</param>
internal sealed record Comparison(FieldSet Added, FieldSet Modified, FieldSet Removed)
{
    /// <summary>Whether nothing changed.</summary>
    public bool IsSame => Added.IsEmpty && Modified.IsEmpty && Removed.IsEmpty;

    /// <summary>The fields set by the change: added or modified.</summary>
    public FieldSet Changed => Added.Union(Modified);

    /// <summary>This comparison without the paths in <paramref name="excluded"/>.</summary>
    public Comparison Without(FieldSet excluded) => new(Added.Difference(excluded), Modified.Difference(excluded), Removed.Difference(excluded));

    /// <summary>This comparison restricted to the paths in or under a member of <paramref name="scope"/> (when
    /// <paramref name="inside"/>) or to the others.</summary>
    public Comparison Restricted(FieldSet scope, bool inside) => new(Restrict(Added, scope, inside), Restrict(Modified, scope, inside), Restrict(Removed, scope, inside));

    /// <summary>The paths of <paramref name="set"/> in or under a member of <paramref name="scope"/> (when
    /// <paramref name="inside"/>), or the others.</summary>
    public static FieldSet Restrict(FieldSet set, FieldSet scope, bool inside)
    {
        var result = new FieldSet();
        foreach (var path in set.Paths())
        {
            var under = Enumerable.Range(0, path.Count + 1).Any(i => scope.Contains(path.Take(i).ToArray()));
            if (under == inside)
            {
                result.Insert(path);
            }
        }

        return result;
    }
}
