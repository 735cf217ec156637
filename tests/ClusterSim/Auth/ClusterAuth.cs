using System.Globalization;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Storage;
using Microsoft.AspNetCore.Http;

namespace Ferry.ClusterSim.Auth;

/// <summary>Authentication, impersonation and authorization of API requests, and the authentication and authorization
/// APIs: <c>serviceaccounts/token</c> (TokenRequest), <c>selfsubjectaccessreviews</c>, <c>selfsubjectrulesreviews</c>
/// and <c>selfsubjectreviews</c>.</summary>
/// <remarks>
/// <para>Authentication: a bearer token issued by <see cref="Tokens"/> is its service account's user (refused with 401 once
/// expired, or when the service account is gone or was recreated); the kubeconfig's token is <see cref="UserInfo.Admin"/>;
/// without <see cref="SimulatorOptions.Token"/> any other token, or none, is the admin too (tests that talk plain HTTP).</para>
/// <para>Impersonation (<c>Impersonate-User</c>, <c>Impersonate-Group</c>, <c>Impersonate-Uid</c>, as <c>kubectl --as</c>
/// sends them) needs the <c>impersonate</c> verb on <c>users</c>, <c>groups</c> or <c>serviceaccounts</c>; an impersonated
/// <c>system:serviceaccount:NS:NAME</c> gets the service-account groups.</para>
/// <para>Authorization: <see cref="RbacAuthorizer"/>; a denied request is a 403 <c>Forbidden</c> worded as the API server's.</para>
/// </remarks>
public sealed class ClusterAuth(ClusterStore store, SimulatorOptions options) : IDisposable
{
    /// <summary>The service-account token issuer and verifier.</summary>
    public ServiceAccountTokens Tokens { get; } = new(options.Time);

    /// <summary>The RBAC authorizer.</summary>
    public RbacAuthorizer Authorizer { get; } = new(store);

    /// <summary>The user a request authenticates as, after impersonation.</summary>
    /// <exception cref="StatusException">401 for a missing, expired or unknown token; 403 for impersonation not allowed.</exception>
    public UserInfo Authenticate(HttpRequest request, string adminToken)
    {
        string header = request.Headers.Authorization.ToString();
        string? bearer = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..].Trim() : null;
        UserInfo user;
        if (bearer is not null && bearer != adminToken && ServiceAccountTokens.LooksLikeJwt(bearer))
        {
            user = ServiceAccountUser(bearer) ?? throw Unauthorized();
        }
        else if (options.Token is { } token && bearer != token)
        {
            throw Unauthorized();
        }
        else
        {
            user = UserInfo.Admin;
        }

        return Impersonate(request, user);
    }

    private static StatusException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    private UserInfo? ServiceAccountUser(string token)
    {
        if (Tokens.Verify(token) is not { } claims)
        {
            return null;
        }

        string ns = JsonValues.String(claims["kubernetes.io"]?["namespace"]) ?? "";
        string name = JsonValues.String(claims["kubernetes.io"]?["serviceaccount"]?["name"]) ?? "";
        string uid = JsonValues.String(claims["kubernetes.io"]?["serviceaccount"]?["uid"]) ?? "";
        try
        {
            JsonObject account = store.Get(store.Type("", "serviceaccounts"), ns, name);
            return JsonValues.String(account["metadata"]?["uid"]) == uid ? UserInfo.ServiceAccount(ns, name, uid) : null;
        }
        catch (StatusException e) when (e.Code == 404)
        {
            return null;
        }
    }

    private UserInfo Impersonate(HttpRequest request, UserInfo user)
    {
        string name = request.Headers["Impersonate-User"].ToString();
        var groups = request.Headers["Impersonate-Group"].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        if (name.Length == 0 && groups.Count == 0)
        {
            return user;
        }

        var impersonated = new UserInfo(name, request.Headers["Impersonate-Uid"].ToString(), [.. groups, "system:authenticated"]);
        if (impersonated.ServiceAccountName is { } sa)
        {
            Require(user, new RequestAttributes("impersonate", "", "serviceaccounts", null, sa.Namespace, sa.Name, request.Path));
            impersonated = UserInfo.ServiceAccount(sa.Namespace, sa.Name, impersonated.Uid) with
            {
                Groups = [.. UserInfo.ServiceAccount(sa.Namespace, sa.Name, "").Groups, .. groups],
            };
        }
        else if (name.Length > 0)
        {
            Require(user, new RequestAttributes("impersonate", "", "users", null, null, name, request.Path));
        }

        foreach (string? group in groups)
        {
            Require(user, new RequestAttributes("impersonate", "", "groups", null, null, group, request.Path));
        }

        return impersonated;
    }

    /// <summary>Throws the 403 when <paramref name="user"/> may not do <paramref name="request"/>.</summary>
    public void Require(UserInfo user, RequestAttributes request)
    {
        if (!Authorizer.Allows(user, request))
        {
            throw RbacAuthorizer.Forbidden(user, request);
        }
    }

    /// <summary>Answers a TokenRequest (<c>POST .../serviceaccounts/NAME/token</c>): a token for the service account,
    /// bound to the pod of <c>spec.boundObjectRef</c> when it names one.</summary>
    /// <exception cref="StatusException">404 when the service account does not exist; 422 for a lifetime under 10 minutes.</exception>
    public JsonObject TokenRequest(string ns, string name, JsonObject body)
    {
        JsonObject account = store.Get(store.Type("", "serviceaccounts"), ns, name);
        JsonObject spec = body["spec"] as JsonObject ?? [];
        long seconds = JsonValues.Long(spec["expirationSeconds"]) ?? ServiceAccountTokens.DefaultExpirationSeconds;
        if (seconds < 600)
        {
            throw StatusException.Invalid("TokenRequest", "authentication.k8s.io", name,
                [FieldError.Invalid("spec.expirationSeconds", seconds.ToString(CultureInfo.InvariantCulture), "may not specify a duration less than 10 minutes")]);
        }

        var audiences = (spec["audiences"] as JsonArray ?? []).Select(a => JsonValues.String(a) ?? "").Where(a => a.Length > 0).ToList();
        (string, string)? pod = null;
        if (spec["boundObjectRef"] is JsonObject bound && JsonValues.String(bound["kind"]) == "Pod")
        {
            pod = (JsonValues.String(bound["name"]) ?? "", JsonValues.String(bound["uid"]) ?? "");
        }

        (string? token, DateTimeOffset expires) = Tokens.Issue(ns, name, JsonValues.String(account["metadata"]?["uid"]) ?? "", audiences, seconds, pod);
        JsonObject result = body.DeepClone().AsObject();
        result["apiVersion"] = "authentication.k8s.io/v1";
        result["kind"] = "TokenRequest";
        result["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = null };
        spec = (result["spec"] ??= new JsonObject()).AsObject();
        spec["expirationSeconds"] = seconds;
        spec["audiences"] = new JsonArray((audiences.Count == 0 ? [ServiceAccountTokens.Issuer] : audiences).Select(a => (JsonNode)JsonValue.Create(a)).ToArray());
        result["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) };
        return result;
    }

    /// <summary>Answers a SelfSubjectAccessReview: <c>status.allowed</c> for the attributes in its spec.</summary>
    public JsonObject AccessReview(UserInfo user, JsonObject body)
    {
        JsonObject spec = body["spec"] as JsonObject ?? [];
        RequestAttributes attributes;
        if (spec["resourceAttributes"] is JsonObject r)
        {
            string? Text(string key) => JsonValues.String(r[key]) is { Length: > 0 } v ? v : null;
            attributes = new RequestAttributes(Text("verb") ?? "", Text("group") ?? "", Text("resource") ?? "", Text("subresource"), Text("namespace"), Text("name"), "");
        }
        else
        {
            JsonObject n = spec["nonResourceAttributes"] as JsonObject ?? [];
            attributes = new RequestAttributes(JsonValues.String(n["verb"]) ?? "", "", null, null, null, null, JsonValues.String(n["path"]) ?? "");
        }

        JsonObject result = Review(body, "authorization.k8s.io/v1", "SelfSubjectAccessReview");
        bool allowed = Authorizer.Allows(user, attributes);
        result["status"] = allowed ? new JsonObject { ["allowed"] = true, ["reason"] = "RBAC: allowed" } : new JsonObject { ["allowed"] = false };
        return result;
    }

    /// <summary>Answers a SelfSubjectRulesReview: the rules that apply in <c>spec.namespace</c>.</summary>
    public JsonObject RulesReview(UserInfo user, JsonObject body)
    {
        string? ns = JsonValues.String(body["spec"]?["namespace"]);
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        IEnumerable<JsonObject> rules = user.IsMaster
            ? BootstrapPolicy.ClusterRoles().First()["rules"]!.AsArray().OfType<JsonObject>()
            : Authorizer.Rules(user, ns);
        foreach (JsonObject rule in rules)
        {
            JsonObject copy = rule.DeepClone().AsObject();
            (copy.ContainsKey("nonResourceURLs") ? nonResourceRules : resourceRules).Add(copy);
        }

        JsonObject result = Review(body, "authorization.k8s.io/v1", "SelfSubjectRulesReview");
        result["status"] = new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = false };
        return result;
    }

    /// <summary>Answers a SelfSubjectReview (<c>kubectl auth whoami</c>).</summary>
    public JsonObject WhoAmI(UserInfo user, JsonObject body)
    {
        JsonObject result = Review(body, "authentication.k8s.io/v1", "SelfSubjectReview");
        var info = new JsonObject { ["username"] = user.Name, ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray()) };
        if (user.Uid.Length > 0)
        {
            info["uid"] = user.Uid;
        }

        result["status"] = new JsonObject { ["userInfo"] = info };
        return result;
    }

    private static JsonObject Review(JsonObject body, string apiVersion, string kind)
    {
        JsonObject result = body.DeepClone().AsObject();
        result["apiVersion"] = apiVersion;
        result["kind"] = kind;
        result["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        return result;
    }

    /// <inheritdoc/>
    public void Dispose() => Tokens.Dispose();
}
