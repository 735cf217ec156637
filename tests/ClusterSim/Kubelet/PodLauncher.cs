using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>Turns a Pod's first container into a <see cref="LaunchPlan"/>: command or mapped image, env and envFrom
/// (Secrets, ConfigMaps, fieldRefs resolved, <c>$(VAR)</c> expanded), volumes materialised as directories, and every
/// volumeMount's mountPath replaced by its host directory in the command, args, env values and working directory.</summary>
/// <remarks>Follows the Pod API reference (core/v1 Container, EnvVar, Volume) where a process can: no image pulls, no
/// mount namespaces, no resource limits.</remarks>
internal sealed class PodLauncher(ProcessKubeletOptions options, string workDirectory)
{
    /// <summary>The in-cluster path of the service-account files.</summary>
    public const string ServiceAccountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    private static readonly Regex VariableReference = new(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)", RegexOptions.CultureInvariant);

    /// <exception cref="PodConfigException">The pod cannot start yet (missing Secret, key, image mapping, claim
    /// directory, or a volume that cannot be written).</exception>
    public LaunchPlan Plan(ClusterStore store, ClusterSimulator? simulator, JsonObject pod)
    {
        try
        {
            return PlanCore(store, simulator, pod);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new PodConfigException("CreateContainerConfigError", e.Message);
        }
    }

    private LaunchPlan PlanCore(ClusterStore store, ClusterSimulator? simulator, JsonObject pod)
    {
        var meta = pod["metadata"]!.AsObject();
        var ns = JsonValues.String(meta["namespace"]) ?? "default";
        var name = JsonValues.String(meta["name"])!;
        var uid = JsonValues.String(meta["uid"])!;
        var spec = pod["spec"] as JsonObject ?? [];
        var container = (spec["containers"] as JsonArray)?.FirstOrDefault() as JsonObject
            ?? throw new PodConfigException("CreateContainerConfigError", "the pod has no containers");
        var podDirectory = Path.Combine(workDirectory, $"{ns}_{name}_{uid}");
        Directory.CreateDirectory(podDirectory);

        // Volumes: name -> host directory.
        var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var volumeName = JsonValues.String(volume["name"]) ?? "";
            volumes[volumeName] = MaterialiseVolume(store, ns, podDirectory, volumeName, volume);
        }

        var pathMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var mount in (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var volumeName = JsonValues.String(mount["name"]) ?? "";
            var mountPath = (JsonValues.String(mount["mountPath"]) ?? "").TrimEnd('/');
            if (!volumes.TryGetValue(volumeName, out var hostDirectory))
            {
                throw new PodConfigException("CreateContainerConfigError", $"volume \"{volumeName}\" of a volumeMount is not defined");
            }

            var subPath = JsonValues.String(mount["subPath"]);
            if (!string.IsNullOrEmpty(subPath))
            {
                hostDirectory = Path.Combine(hostDirectory, subPath);
                Directory.CreateDirectory(hostDirectory);
            }

            if (mountPath.Length > 0)
            {
                pathMap[mountPath] = hostDirectory;
            }
        }

        if (JsonValues.Bool(spec["automountServiceAccountToken"]) != false && !pathMap.ContainsKey(ServiceAccountPath))
        {
            var saDirectory = Path.Combine(podDirectory, "serviceaccount");
            Directory.CreateDirectory(saDirectory);
            File.WriteAllText(Path.Combine(saDirectory, "token"), simulator?.Token ?? "ferry-clustersim");
            File.WriteAllText(Path.Combine(saDirectory, "namespace"), ns);
            File.WriteAllText(Path.Combine(saDirectory, "ca.crt"), simulator?.Certificate?.ExportCertificatePem() ?? "");
            pathMap[ServiceAccountPath] = saDirectory;
        }

        var env = ResolveEnvironment(store, simulator, pod, ns, name, container);
        var substitute = PathSubstitution(pathMap);
        foreach (var key in env.Keys.ToList())
        {
            env[key] = substitute(env[key]);
        }

        env["FERRY_PATH_MAP"] = string.Join(';', pathMap.OrderByDescending(p => p.Key.Length).Select(p => $"{p.Key}={p.Value}"));

        var command = StringList(container["command"]);
        var args = StringList(container["args"]);
        var argv = new List<string>();
        if (command.Count > 0)
        {
            argv.AddRange(command.Select(c => Expand(c, env)));
        }
        else
        {
            var image = JsonValues.String(container["image"]) ?? "";
            argv.AddRange(ImageCommand(image));
        }

        argv.AddRange(args.Select(a => Expand(a, env)));
        for (var i = 0; i < argv.Count; i++)
        {
            argv[i] = substitute(argv[i]);
        }

        var workingDir = JsonValues.String(container["workingDir"]);
        var workingDirectory = string.IsNullOrEmpty(workingDir) ? podDirectory : substitute(workingDir);
        var grace = JsonValues.Long(spec["terminationGracePeriodSeconds"]) is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : options.DefaultGracePeriod;
        return new LaunchPlan(argv, env, workingDirectory, podDirectory, Path.Combine(podDirectory, "container.log"), pathMap, grace);
    }

    private IReadOnlyList<string> ImageCommand(string image)
    {
        foreach (var (pattern, commandLine) in options.Images.OrderByDescending(p => p.Key.Length))
        {
            var matches = pattern.EndsWith('*') ? image.StartsWith(pattern[..^1], StringComparison.Ordinal) : image == pattern;
            if (matches)
            {
                return commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
        }

        throw new PodConfigException("ErrImagePull", $"no executable is mapped for image \"{image}\" and the container has no command");
    }

    private string MaterialiseVolume(ClusterStore store, string ns, string podDirectory, string volumeName, JsonObject volume)
    {
        var local = Path.Combine(podDirectory, "volumes", volumeName);
        if (volume["persistentVolumeClaim"] is JsonObject claim)
        {
            var claimName = JsonValues.String(claim["claimName"]) ?? "";
            if (options.VolumesDirectory is null)
            {
                throw new PodConfigException("CreateContainerConfigError", $"persistentvolumeclaim \"{claimName}\": the kubelet has no volumes directory");
            }

            var directory = Path.Combine(options.VolumesDirectory, claimName);
            Directory.CreateDirectory(directory);
            return directory;
        }

        if (volume["hostPath"] is JsonObject hostPath)
        {
            return JsonValues.String(hostPath["path"]) ?? "/";
        }

        Directory.CreateDirectory(local);
        if (volume["secret"] is JsonObject secret)
        {
            var data = SourceData(store, ns, "secrets", JsonValues.String(secret["secretName"]) ?? "", secret["optional"], binary: true);
            WriteItems(local, data, secret["items"] as JsonArray);
        }
        else if (volume["configMap"] is JsonObject configMap)
        {
            var data = SourceData(store, ns, "configmaps", JsonValues.String(configMap["name"]) ?? "", configMap["optional"], binary: false);
            WriteItems(local, data, configMap["items"] as JsonArray);
        }

        // emptyDir and anything else: an empty directory.
        return local;
    }

    private static void WriteItems(string directory, Dictionary<string, byte[]> data, JsonArray? items)
    {
        var selected = items is null
            ? data.Select(p => (p.Key, Path: p.Key))
            : items.OfType<JsonObject>().Select(i => (Key: JsonValues.String(i["key"]) ?? "", Path: JsonValues.String(i["path"]) ?? ""));
        foreach (var (key, path) in selected)
        {
            if (!data.TryGetValue(key, out var bytes))
            {
                throw new PodConfigException("CreateContainerConfigError", $"couldn't find key {key} in the volume source");
            }

            var file = Path.Combine(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, bytes);
        }
    }

    /// <summary>A Secret's decoded <c>data</c> or a ConfigMap's <c>data</c> (+ <c>binaryData</c>); empty when missing and optional.</summary>
    private static Dictionary<string, byte[]> SourceData(ClusterStore store, string ns, string plural, string name, JsonNode? optional, bool binary)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        JsonObject obj;
        try
        {
            obj = store.Get(store.Type("", plural), ns, name);
        }
        catch (StatusException e) when (e.Code == 404)
        {
            if (JsonValues.Bool(optional) == true)
            {
                return result;
            }

            throw new PodConfigException("CreateContainerConfigError", $"{(binary ? "secret" : "configmap")} \"{name}\" not found");
        }

        foreach (var (key, value) in obj["data"] as JsonObject ?? [])
        {
            var text = JsonValues.String(value) ?? "";
            result[key] = binary ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
        }

        if (!binary)
        {
            foreach (var (key, value) in obj["binaryData"] as JsonObject ?? [])
            {
                result[key] = Convert.FromBase64String(JsonValues.String(value) ?? "");
            }
        }

        return result;
    }

    private static Dictionary<string, string> ResolveEnvironment(ClusterStore store, ClusterSimulator? simulator, JsonObject pod, string ns, string name,
        JsonObject container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOSTNAME"] = name,
        };
        if (simulator is not null)
        {
            env["KUBERNETES_SERVICE_HOST"] = simulator.Url.Host;
            env["KUBERNETES_SERVICE_PORT"] = simulator.Url.Port.ToString(CultureInfo.InvariantCulture);
            env["KUBERNETES_SERVICE_PORT_HTTPS"] = simulator.Url.Port.ToString(CultureInfo.InvariantCulture);
            env["KUBERNETES_PORT"] = $"tcp://{simulator.Url.Host}:{simulator.Url.Port}";
            env["FERRY_KUBE_API_URL"] = simulator.Url.ToString().TrimEnd('/');
        }

        foreach (var source in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var prefix = JsonValues.String(source["prefix"]) ?? "";
            var (plural, reference) = source["secretRef"] is JsonObject s ? ("secrets", s) : ("configmaps", source["configMapRef"] as JsonObject ?? []);
            var data = SourceData(store, ns, plural, JsonValues.String(reference["name"]) ?? "", reference["optional"], plural == "secrets");
            foreach (var (key, bytes) in data)
            {
                env[prefix + key] = Encoding.UTF8.GetString(bytes);
            }
        }

        foreach (var variable in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = JsonValues.String(variable["name"]) ?? "";
            if (variable["valueFrom"] is JsonObject from)
            {
                if (ValueFrom(store, pod, ns, from) is { } value)
                {
                    env[key] = value;
                }
            }
            else
            {
                env[key] = Expand(JsonValues.String(variable["value"]) ?? "", env);
            }
        }

        return env;
    }

    private static string? ValueFrom(ClusterStore store, JsonObject pod, string ns, JsonObject from)
    {
        foreach (var (plural, field) in new[] { ("secrets", "secretKeyRef"), ("configmaps", "configMapKeyRef") })
        {
            if (from[field] is JsonObject reference)
            {
                var data = SourceData(store, ns, plural, JsonValues.String(reference["name"]) ?? "", reference["optional"], plural == "secrets");
                var key = JsonValues.String(reference["key"]) ?? "";
                if (data.TryGetValue(key, out var bytes))
                {
                    return Encoding.UTF8.GetString(bytes);
                }

                if (JsonValues.Bool(reference["optional"]) == true)
                {
                    return null;
                }

                throw new PodConfigException("CreateContainerConfigError", $"couldn't find key {key} in {(plural == "secrets" ? "Secret" : "ConfigMap")} {ns}/{JsonValues.String(reference["name"])}");
            }
        }

        if (from["fieldRef"] is JsonObject fieldRef)
        {
            var path = JsonValues.String(fieldRef["fieldPath"]) ?? "";
            var label = Regex.Match(path, @"^metadata\.(labels|annotations)\['([^']*)'\]$", RegexOptions.CultureInvariant);
            return label.Success
                ? JsonValues.String(pod["metadata"]?[label.Groups[1].Value]?[label.Groups[2].Value]) ?? ""
                : path switch
                {
                    "metadata.name" => JsonValues.String(pod["metadata"]?["name"]),
                    "metadata.namespace" => ns,
                    "metadata.uid" => JsonValues.String(pod["metadata"]?["uid"]),
                    "spec.nodeName" => JsonValues.String(pod["spec"]?["nodeName"]) ?? "clustersim",
                    "spec.serviceAccountName" => JsonValues.String(pod["spec"]?["serviceAccountName"]) ?? "default",
                    "status.podIP" or "status.hostIP" => "127.0.0.1",
                    _ => throw new PodConfigException("CreateContainerConfigError", $"unsupported fieldPath {path}"),
                };
        }

        return ""; // resourceFieldRef and others: not modelled.
    }

    /// <summary>Kubernetes' <c>$(VAR)</c> expansion: defined variables are replaced, <c>$$</c> is a literal <c>$</c>,
    /// undefined references stay as written.</summary>
    internal static string Expand(string text, IReadOnlyDictionary<string, string> env) =>
        VariableReference.Replace(text, m => m.Value == "$$" ? "$" : env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    private static List<string> StringList(JsonNode? node) => (node as JsonArray ?? []).Select(n => JsonValues.String(n) ?? "").ToList();

    /// <summary>Replaces each mount path (as a whole path component sequence, longest first, in one pass) with its host
    /// directory.</summary>
    internal static Func<string, string> PathSubstitution(IReadOnlyDictionary<string, string> pathMap)
    {
        if (pathMap.Count == 0)
        {
            return s => s;
        }

        var alternatives = string.Join('|', pathMap.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape));
        var regex = new Regex($@"(?<![\w.\-/])(?:{alternatives})(?=$|/|[^\w.\-])", RegexOptions.CultureInvariant);
        return s => regex.Replace(s, m => pathMap[m.Value]);
    }
}
