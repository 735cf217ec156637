using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>Turns a Pod's first container into a <see cref="LaunchPlan"/>: command or mapped image, env and envFrom
/// (Secrets, ConfigMaps, fieldRefs resolved, <c>$(VAR)</c> expanded), volumes materialised as host directories, each
/// volumeMount's host directory to be bound at its <c>mountPath</c> (and an image directory at <c>/app</c>) inside the
/// pod's own mount namespace (<see cref="PodProcess"/>).</summary>
/// <remarks>Follows the Pod API reference (core/v1 Container, EnvVar, Volume) where a process can: no image pulls, no
/// resource limits, the host's network.</remarks>
internal sealed class PodLauncher(ProcessKubeletOptions options, string workDirectory)
{
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
        JsonObject meta = pod["metadata"]!.AsObject();
        string ns = JsonValues.String(meta["namespace"]) ?? "default";
        string name = JsonValues.String(meta["name"])!;
        string uid = JsonValues.String(meta["uid"])!;
        JsonObject spec = pod["spec"] as JsonObject ?? [];
        JsonObject container = (spec["containers"] as JsonArray)?.FirstOrDefault() as JsonObject
            ?? throw new PodConfigException("CreateContainerConfigError", "the pod has no containers");
        string podDirectory = Path.Combine(workDirectory, $"{ns}_{name}_{uid}");
        Directory.CreateDirectory(podDirectory);

        // Volumes: name -> host directory.
        var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonObject volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            string volumeName = JsonValues.String(volume["name"]) ?? "";
            volumes[volumeName] = MaterialiseVolume(store, simulator, pod, ns, podDirectory, volumeName, volume);
        }

        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        var readOnly = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonObject mount in (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>())
        {
            string volumeName = JsonValues.String(mount["name"]) ?? "";
            string mountPath = (JsonValues.String(mount["mountPath"]) ?? "").TrimEnd('/');
            if (!volumes.TryGetValue(volumeName, out string? hostDirectory))
            {
                throw new PodConfigException("CreateContainerConfigError", $"volume \"{volumeName}\" of a volumeMount is not defined");
            }

            string? subPath = JsonValues.String(mount["subPath"]);
            if (!string.IsNullOrEmpty(subPath))
            {
                hostDirectory = Path.Combine(hostDirectory, subPath);
                Directory.CreateDirectory(hostDirectory);
            }

            if (mountPath.Length > 0)
            {
                mounts[mountPath] = hostDirectory;
                if (JsonValues.Bool(mount["readOnly"]) == true)
                {
                    readOnly.Add(mountPath);
                }
            }
        }

        string image = JsonValues.String(container["image"]) ?? "";
        string? mapped = FindImage(image);
        Dictionary<string, string> env = ResolveEnvironment(store, simulator, pod, ns, name, container);
        if (mapped is { } imageDirectory && Directory.Exists(imageDirectory))
        {
            mounts[ImageRoot] = imageDirectory;
            foreach ((string? key, string? value) in ImageEnvironment())
            {
                env.TryAdd(key, value);
            }
        }

        List<string> command = StringList(container["command"]);
        List<string> args = StringList(container["args"]);
        var argv = new List<string>();
        if (command.Count > 0)
        {
            argv.AddRange(command.Select(c => Expand(c, env)));
        }
        else
        {
            argv.AddRange(ImageCommand(image, mapped));
        }

        argv.AddRange(args.Select(a => Expand(a, env)));
        string? workingDir = JsonValues.String(container["workingDir"]);
        TimeSpan grace = JsonValues.Long(spec["terminationGracePeriodSeconds"]) is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : options.DefaultGracePeriod;
        return new LaunchPlan(argv, env, string.IsNullOrEmpty(workingDir) ? "/" : workingDir, podDirectory, Path.Combine(podDirectory, "container.log"), mounts, grace) { ReadOnlyMounts = readOnly };
    }

    /// <summary>Where a mapped image directory appears in the pod: the Dockerfile's <c>/app</c>.</summary>
    public const string ImageRoot = "/app";

    /// <summary>The image's environment (the Dockerfile's <c>ENV</c>): <c>/app</c> first on <c>PATH</c>, <c>HOME=/tmp</c>,
    /// <c>DOTNET_NOLOGO=1</c>.</summary>
    private static IEnumerable<(string, string)> ImageEnvironment()
    {
        yield return ("PATH", ImageRoot + ":" + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin"));
        yield return ("HOME", "/tmp");
        yield return ("DOTNET_NOLOGO", "1");
    }

    private string? FindImage(string image) =>
        options.Images.OrderByDescending(p => p.Key.Length)
            .Where(p => p.Key.EndsWith('*') ? image.StartsWith(p.Key[..^1], StringComparison.Ordinal) : image == p.Key)
            .Select(p => p.Value)
            .FirstOrDefault();

    /// <summary>The image's entrypoint: for a mapped directory, <c>/app/ferry</c> (the Dockerfile's <c>ENTRYPOINT</c>); for
    /// a mapped command line, that command line split on whitespace.</summary>
    private static IReadOnlyList<string> ImageCommand(string image, string? mapped)
    {
        if (mapped is null)
        {
            throw new PodConfigException("ErrImagePull", $"no directory or executable is mapped for image \"{image}\" and the container has no command");
        }

        return Directory.Exists(mapped)
            ? [ImageRoot + "/ferry"]
            : mapped.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private string MaterialiseVolume(ClusterStore store, ClusterSimulator? simulator, JsonObject pod, string ns, string podDirectory, string volumeName, JsonObject volume)
    {
        string local = Path.Combine(podDirectory, "volumes", volumeName);
        if (volume["persistentVolumeClaim"] is JsonObject claim)
        {
            string claimName = JsonValues.String(claim["claimName"]) ?? "";
            if (options.VolumesDirectory is null)
            {
                throw new PodConfigException("CreateContainerConfigError", $"persistentvolumeclaim \"{claimName}\": the kubelet has no volumes directory");
            }

            string directory = Path.Combine(options.VolumesDirectory, claimName);
            Directory.CreateDirectory(directory);
            return directory;
        }

        if (volume["hostPath"] is JsonObject hostPath)
        {
            return JsonValues.String(hostPath["path"]) ?? "/";
        }

        Directory.CreateDirectory(local);
        if (volume["projected"] is JsonObject projected)
        {
            foreach (JsonObject source in (projected["sources"] as JsonArray ?? []).OfType<JsonObject>())
            {
                ProjectSource(store, simulator, pod, ns, local, source);
            }
        }
        else if (volume["secret"] is JsonObject secret)
        {
            Dictionary<string, byte[]> data = SourceData(store, ns, "secrets", JsonValues.String(secret["secretName"]) ?? "", secret["optional"], binary: true);
            WriteItems(local, data, secret["items"] as JsonArray);
        }
        else if (volume["configMap"] is JsonObject configMap)
        {
            Dictionary<string, byte[]> data = SourceData(store, ns, "configmaps", JsonValues.String(configMap["name"]) ?? "", configMap["optional"], binary: false);
            WriteItems(local, data, configMap["items"] as JsonArray);
        }

        // emptyDir and anything else: an empty directory.
        return local;
    }

    /// <summary>One source of a projected volume: a bound service-account token (TokenRequest for the pod's account,
    /// bound to the pod), ConfigMap or Secret items, or downward API fields.</summary>
    private static void ProjectSource(ClusterStore store, ClusterSimulator? simulator, JsonObject pod, string ns, string directory, JsonObject source)
    {
        if (source["serviceAccountToken"] is JsonObject tokenSource)
        {
            if (simulator is null)
            {
                throw new PodConfigException("CreateContainerConfigError", "the kubelet is not attached to a simulator: no token issuer");
            }

            string account = JsonValues.String(pod["spec"]?["serviceAccountName"]) ?? "default";
            JsonObject sa;
            try
            {
                sa = store.Get(store.Type("", "serviceaccounts"), ns, account);
            }
            catch (StatusException e) when (e.Code == 404)
            {
                throw new PodConfigException("CreateContainerConfigError", $"serviceaccount \"{account}\" not found");
            }

            string? audience = JsonValues.String(tokenSource["audience"]);
            (string? token, DateTimeOffset _) = simulator.Auth.Tokens.Issue(ns, account, JsonValues.String(sa["metadata"]?["uid"]) ?? "", audience is { Length: > 0 } ? [audience] : [],
                JsonValues.Long(tokenSource["expirationSeconds"]) ?? 3607, (JsonValues.String(pod["metadata"]?["name"]) ?? "", JsonValues.String(pod["metadata"]?["uid"]) ?? ""));
            File.WriteAllText(Path.Combine(directory, JsonValues.String(tokenSource["path"]) ?? "token"), token);
        }
        else if (source["configMap"] is JsonObject configMap)
        {
            string mapName = JsonValues.String(configMap["name"]) ?? "";
            Dictionary<string, byte[]> data = mapName == Admission.RootCaConfigMap && !Exists(store, "configmaps", ns, mapName)
                ? new Dictionary<string, byte[]> { ["ca.crt"] = Encoding.UTF8.GetBytes(store.ClusterCaPem) }
                : SourceData(store, ns, "configmaps", mapName, configMap["optional"], binary: false);
            WriteItems(directory, data, configMap["items"] as JsonArray);
        }
        else if (source["secret"] is JsonObject secret)
        {
            WriteItems(directory, SourceData(store, ns, "secrets", JsonValues.String(secret["name"]) ?? "", secret["optional"], binary: true), secret["items"] as JsonArray);
        }
        else if (source["downwardAPI"] is JsonObject downward)
        {
            foreach (JsonObject item in (downward["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (item["fieldRef"] is JsonObject fieldRef)
                {
                    string value = ValueFrom(store, pod, ns, new JsonObject { ["fieldRef"] = fieldRef.DeepClone() }) ?? "";
                    string file = Path.Combine(directory, JsonValues.String(item["path"]) ?? "");
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    File.WriteAllText(file, value);
                }
            }
        }
    }

    private static bool Exists(ClusterStore store, string plural, string ns, string name)
    {
        try
        {
            store.Get(store.Type("", plural), ns, name);
            return true;
        }
        catch (StatusException e) when (e.Code == 404)
        {
            return false;
        }
    }

    private static void WriteItems(string directory, Dictionary<string, byte[]> data, JsonArray? items)
    {
        IEnumerable<(string Key, string Path)> selected = items is null
            ? data.Select(p => (p.Key, Path: p.Key))
            : items.OfType<JsonObject>().Select(i => (Key: JsonValues.String(i["key"]) ?? "", Path: JsonValues.String(i["path"]) ?? ""));
        foreach ((string? key, string? path) in selected)
        {
            if (!data.TryGetValue(key, out byte[]? bytes))
            {
                throw new PodConfigException("CreateContainerConfigError", $"couldn't find key {key} in the volume source");
            }

            string file = Path.Combine(directory, path);
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

        foreach ((string? key, JsonNode? value) in obj["data"] as JsonObject ?? [])
        {
            string text = JsonValues.String(value) ?? "";
            result[key] = binary ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
        }

        if (!binary)
        {
            foreach ((string? key, JsonNode? value) in obj["binaryData"] as JsonObject ?? [])
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
            Uri api = simulator.InClusterUrl;
            env["KUBERNETES_SERVICE_HOST"] = api.Host;
            env["KUBERNETES_SERVICE_PORT"] = api.Port.ToString(CultureInfo.InvariantCulture);
            env["KUBERNETES_SERVICE_PORT_HTTPS"] = api.Port.ToString(CultureInfo.InvariantCulture);
            env["KUBERNETES_PORT"] = $"tcp://{api.Host}:{api.Port}";
            env["KUBERNETES_PORT_443_TCP"] = $"tcp://{api.Host}:{api.Port}";
        }

        foreach (JsonObject source in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            string prefix = JsonValues.String(source["prefix"]) ?? "";
            (string? plural, JsonObject? reference) = source["secretRef"] is JsonObject s ? ("secrets", s) : ("configmaps", source["configMapRef"] as JsonObject ?? []);
            Dictionary<string, byte[]> data = SourceData(store, ns, plural, JsonValues.String(reference["name"]) ?? "", reference["optional"], plural == "secrets");
            foreach ((string? key, byte[]? bytes) in data)
            {
                env[prefix + key] = Encoding.UTF8.GetString(bytes);
            }
        }

        foreach (JsonObject variable in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            string key = JsonValues.String(variable["name"]) ?? "";
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
        foreach ((string? plural, string? field) in new[] { ("secrets", "secretKeyRef"), ("configmaps", "configMapKeyRef") })
        {
            if (from[field] is JsonObject reference)
            {
                Dictionary<string, byte[]> data = SourceData(store, ns, plural, JsonValues.String(reference["name"]) ?? "", reference["optional"], plural == "secrets");
                string key = JsonValues.String(reference["key"]) ?? "";
                if (data.TryGetValue(key, out byte[]? bytes))
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
            string path = JsonValues.String(fieldRef["fieldPath"]) ?? "";
            Match label = Regex.Match(path, @"^metadata\.(labels|annotations)\['([^']*)'\]$", RegexOptions.CultureInvariant);
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
        VariableReference.Replace(text, m => m.Value == "$$" ? "$" : env.TryGetValue(m.Groups[1].Value, out string? v) ? v : m.Value);

    private static List<string> StringList(JsonNode? node) => (node as JsonArray ?? []).Select(n => JsonValues.String(n) ?? "").ToList();
}
