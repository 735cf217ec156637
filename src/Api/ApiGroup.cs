namespace Ferry.Api;

/// <summary>The API group and version of Ferry's custom resources.</summary>
public static class ApiGroup
{
    /// <summary>The API group, <c>ferry.io</c>.</summary>
    public const string Group = "ferry.io";

    /// <summary>The served and stored version, <c>v1alpha1</c>.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The <c>apiVersion</c> of every object: <c>ferry.io/v1alpha1</c>.</summary>
    public const string ApiVersion = Group + "/" + Version;
}
