using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Auth;

/// <summary>Issues and verifies service-account tokens: RS256-signed JWTs with the claims the Kubernetes token
/// controller and TokenRequest API put in them (<c>iss</c>, <c>sub</c> <c>system:serviceaccount:NS:NAME</c>,
/// <c>aud</c>, <c>exp</c>, <c>iat</c>, <c>nbf</c>, <c>jti</c> and <c>kubernetes.io</c> with the namespace, the service
/// account's name and uid, and the pod a token is bound to).</summary>
/// <remarks>A token verifies only with this simulator's key, before its expiry, and while its service account (same uid)
/// exists. Kubernetes "Service account tokens" and "TokenRequest".</remarks>
public sealed class ServiceAccountTokens(TimeProvider time) : IDisposable
{
    /// <summary>The issuer claim, as a cluster with the default service-account issuer sets it.</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    /// <summary>How long a token lives when the request names no <c>expirationSeconds</c>: 3600 s, the API's default.</summary>
    public const long DefaultExpirationSeconds = 3600;

    private readonly RSA _key = RSA.Create(2048);

    /// <summary>A token for the service account <paramref name="ns"/>/<paramref name="name"/> (uid <paramref name="uid"/>).</summary>
    /// <param name="audiences">The audiences; empty: the API server's (<see cref="Issuer"/>).</param>
    /// <param name="expirationSeconds">Lifetime in seconds.</param>
    /// <param name="pod">The pod the token is bound to (name, uid), or null.</param>
    /// <returns>The token and its expiry.</returns>
    public (string Token, DateTimeOffset Expires) Issue(string ns, string name, string uid, IReadOnlyList<string> audiences, long expirationSeconds, (string Name, string Uid)? pod = null)
    {
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expires = now.AddSeconds(expirationSeconds);
        var k8s = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = uid },
        };
        if (pod is { } p)
        {
            k8s["pod"] = new JsonObject { ["name"] = p.Name, ["uid"] = p.Uid };
        }

        var claims = new JsonObject
        {
            ["aud"] = new JsonArray((audiences.Count == 0 ? [Issuer] : audiences).Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = k8s,
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = $"system:serviceaccount:{ns}:{name}",
        };
        string header = Base64Url(Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"kid\":\"clustersim\"}"));
        string payload = Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return ($"{header}.{payload}.{Base64Url(signature)}", expires);
    }

    /// <summary>Whether <paramref name="token"/> looks like a JWT (three dot-separated parts), i.e. is meant for this
    /// authenticator rather than being the kubeconfig's token.</summary>
    public static bool LooksLikeJwt(string token) => token.Count(c => c == '.') == 2 && token.StartsWith("eyJ", StringComparison.Ordinal);

    /// <summary>The claims of a token signed by this simulator and not expired, or null.</summary>
    public JsonObject? Verify(string token)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            if (!_key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return null;
            }

            var claims = JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject;
            long exp = JsonValues.Long(claims?["exp"]) ?? 0;
            return exp > time.GetUtcNow().ToUnixTimeSeconds() ? claims : null;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        string s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
