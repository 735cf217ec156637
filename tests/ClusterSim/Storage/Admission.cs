using System.Net;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Storage;

/// <summary>What the API server's admission plugins and the controller manager's publishers do to new objects that the
/// simulator needs: the <c>ServiceAccount</c> admission plugin for Pods, the namespace default (the <c>default</c>
/// ServiceAccount), and Service defaulting.</summary>
/// <remarks>Kubernetes "Managing Service Accounts": a Pod without <c>serviceAccountName</c> gets <c>default</c>; a Pod
/// whose ServiceAccount does not exist is refused (403); unless <c>automountServiceAccountToken</c> is false (on the
/// Pod, else on the ServiceAccount) the Pod gets the projected volume <c>kube-api-access-XXXXX</c> (a bound token that
/// lives 3607 s, <c>ca.crt</c> from <c>kube-root-ca.crt</c> (served by the kubelet from <see cref="ClusterStore.ClusterCaPem"/>), the namespace from the downward API) mounted read-only at
/// <c>/var/run/secrets/kubernetes.io/serviceaccount</c> in every container. Unlike the real controllers, the namespace
/// defaults are created synchronously with the namespace, so a Pod created right after its namespace never races them.</remarks>
internal static class Admission
{
    public const string ServiceAccountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string RootCaConfigMap = "kube-root-ca.crt";

    private static int _nextServiceIp = 10;

    /// <summary>Admits a Pod: service account defaulted, checked and its token volume added.</summary>
    /// <param name="pod">The Pod, changed in place.</param>
    /// <param name="findServiceAccount">Looks a ServiceAccount up by name in the Pod's namespace.</param>
    /// <exception cref="StatusException">403 when the ServiceAccount does not exist.</exception>
    public static void AdmitPod(JsonObject pod, string ns, Func<string, JsonObject?> findServiceAccount)
    {
        JsonObject spec = (pod["spec"] ??= new JsonObject()).AsObject();
        string accountName = JsonValues.String(spec["serviceAccountName"]) is { Length: > 0 } n ? n
            : JsonValues.String(spec["serviceAccount"]) is { Length: > 0 } legacy ? legacy : "default";
        spec["serviceAccountName"] = accountName;
        spec["serviceAccount"] = accountName;
        JsonObject account = findServiceAccount(accountName) ?? throw new StatusException(403, "Forbidden",
            $"pods \"{JsonValues.String(pod["metadata"]?["name"]) ?? JsonValues.String(pod["metadata"]?["generateName"])}\" is forbidden: error looking up service account {ns}/{accountName}: serviceaccount \"{accountName}\" not found",
            new JsonObject { ["name"] = JsonValues.String(pod["metadata"]?["name"]), ["kind"] = "pods" });
        bool automount = JsonValues.Bool(spec["automountServiceAccountToken"]) ?? JsonValues.Bool(account["automountServiceAccountToken"]) ?? true;
        var containers = new[] { "containers", "initContainers" }.SelectMany(k => (spec[k] as JsonArray ?? []).OfType<JsonObject>()).ToList();
        if (!automount || containers.Any(c => (c["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>().Any(m => JsonValues.String(m["mountPath"]) == ServiceAccountPath)))
        {
            return;
        }

        string volumeName = "kube-api-access-" + Guid.NewGuid().ToString("N")[..5];
        JsonArray volumes = (spec["volumes"] ??= new JsonArray()).AsArray();
        volumes.Add(new JsonObject
        {
            ["name"] = volumeName,
            ["projected"] = new JsonObject
            {
                ["defaultMode"] = 420,
                ["sources"] = new JsonArray(
                    new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
                    new JsonObject { ["configMap"] = new JsonObject { ["name"] = RootCaConfigMap, ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }) } },
                    new JsonObject
                    {
                        ["downwardAPI"] = new JsonObject
                        {
                            ["items"] = new JsonArray(new JsonObject { ["path"] = "namespace", ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" } }),
                        },
                    }),
            },
        });
        foreach (JsonObject? container in containers)
        {
            ((container["volumeMounts"] ??= new JsonArray()).AsArray()).Add(new JsonObject { ["name"] = volumeName, ["readOnly"] = true, ["mountPath"] = ServiceAccountPath });
        }
    }

    /// <summary>The objects every new namespace gets: its <c>default</c> ServiceAccount. (The <c>kube-root-ca.crt</c>
    /// ConfigMap is not published, so that namespaces list only what tests put there; the kubelet serves the cluster's
    /// CA for a projected <c>kube-root-ca.crt</c> source instead.)</summary>
    public static IEnumerable<(string Plural, JsonObject Object)> NamespaceDefaults(string ns)
    {
        yield return ("serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns } });
    }

    /// <summary>Service defaulting: <c>type: ClusterIP</c>, a cluster IP from 10.96.0.0/12, each port's <c>protocol</c>
    /// and <c>targetPort</c>, <c>sessionAffinity: None</c>.</summary>
    public static void DefaultService(JsonObject service)
    {
        JsonObject spec = (service["spec"] ??= new JsonObject()).AsObject();
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if (JsonValues.String(spec["type"]) != "ExternalName" && JsonValues.String(spec["clusterIP"]) is null or "")
        {
            int n = Interlocked.Increment(ref _nextServiceIp);
            string ip = new IPAddress([10, 96, (byte)(n / 250), (byte)(n % 250)]).ToString();
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = new JsonArray(ip);
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
            spec["internalTrafficPolicy"] ??= "Cluster";
        }

        foreach (JsonObject port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
        }
    }
}
