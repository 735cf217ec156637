namespace Ferry.ClusterSim.Auth;

/// <summary>Who a request comes from, as the API server's authenticators report it.</summary>
/// <param name="Name">The user name, e.g. <c>system:serviceaccount:ns:ferry-runner</c>.</param>
/// <param name="Uid">The user's uid (a service account's uid), or empty.</param>
/// <param name="Groups">The groups, e.g. <c>system:serviceaccounts</c>, <c>system:authenticated</c>.</param>
public sealed record UserInfo(string Name, string Uid, IReadOnlyList<string> Groups)
{
    /// <summary>The group whose members the authorizer never restricts (Kubernetes' <c>system:masters</c>).</summary>
    public const string MastersGroup = "system:masters";

    /// <summary>The kubeconfig's user: unrestricted, like a cluster's admin certificate.</summary>
    public static UserInfo Admin { get; } = new("ferry-sim-admin", "", [MastersGroup, "system:authenticated"]);

    /// <summary>Whether RBAC is bypassed for this user.</summary>
    public bool IsMaster => Groups.Contains(MastersGroup);

    /// <summary>The user of a service account, with the groups Kubernetes gives it.</summary>
    public static UserInfo ServiceAccount(string ns, string name, string uid) =>
        new($"system:serviceaccount:{ns}:{name}", uid, ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"]);

    /// <summary>For a service-account user name, its namespace and name.</summary>
    public (string Namespace, string Name)? ServiceAccountName =>
        Name.Split(':') is ["system", "serviceaccount", var ns, var sa] ? (ns, sa) : null;
}
