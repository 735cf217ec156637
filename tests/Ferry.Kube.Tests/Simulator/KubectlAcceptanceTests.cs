using System.Text.Json.Nodes;
using Ferry.ClusterSim;

namespace Ferry.Kube.Tests.Simulator;

/// <summary>The real kubectl against the simulator through a kubeconfig — no Ferry client involved: apply CRDs and
/// samples, get as JSON and as a printer-column table, explain, watch a change made by <c>patch --type=merge</c>,
/// delete, and see an invalid variant rejected.</summary>
public sealed class KubectlAcceptanceTests
{
    public static TheoryData<string> Binaries() => Kubectl.Binaries();

    [Theory]
    [MemberData(nameof(Binaries))]
    public Task Kubectl_TestCrdAndSample_FullScenario(string kubectl) =>
        RunScenarioAsync(kubectl, Path.Combine(TestFiles.TestData, "crds"), Path.Combine(TestFiles.TestData, "samples"), "widgets");

    [Theory]
    [MemberData(nameof(Binaries))]
    public Task Kubectl_RepositoryCrdsAndSyncJobSample_FullScenario(string kubectl) =>
        RunScenarioAsync(kubectl, Path.Combine(TestFiles.RepoRoot, "crds"), Path.Combine(TestFiles.RepoRoot, "config", "samples"), "syncjobs");

    [Theory]
    [MemberData(nameof(Binaries))]
    public Task Kubectl_RepositoryCrdsAndReplicaMirrorSample_FullScenario(string kubectl) =>
        RunScenarioAsync(kubectl, Path.Combine(TestFiles.RepoRoot, "crds"), Path.Combine(TestFiles.RepoRoot, "config", "samples"), "replicamirrors");

    [Theory]
    [MemberData(nameof(Binaries))]
    public async Task Kubectl_TypedCreateCommands_SendProtobufThatIsDecoded(string executable)
    {
        await using var sim = await ClusterSimulator.StartAsync();
        var temp = Directory.CreateTempSubdirectory("clustersim-kubectl-");
        try
        {
            var kubeconfig = Path.Combine(temp.FullName, "kubeconfig");
            await sim.WriteKubeconfigAsync(kubeconfig);
            var kubectl = new Kubectl(executable, kubeconfig, Path.Combine(temp.FullName, "cache"));

            await kubectl.RunOkAsync("create", "namespace", "team");
            await kubectl.RunOkAsync("create", "configmap", "settings", "-n", "team", "--from-literal=mode=fast");
            await kubectl.RunOkAsync("create", "secret", "generic", "creds", "-n", "team", "--from-literal=accessKeyId=AKID");
            var secret = JsonNode.Parse((await kubectl.RunOkAsync("get", "secret", "creds", "-n", "team", "-o", "json")).Stdout)!;
            var configMap = JsonNode.Parse((await kubectl.RunOkAsync("get", "configmap", "settings", "-n", "team", "-o", "json")).Stdout)!;

            Assert.Equal("AKID", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(S(secret["data"]!["accessKeyId"]))));
            Assert.Equal("Opaque", S(secret["type"]));
            Assert.Equal("fast", S(configMap["data"]!["mode"]));
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public async Task Kubectl_ApplyServerSide_ConflictsWithAnotherManagerUntilForcedAndRecordsOwnership(string executable)
    {
        await using var sim = await ClusterSimulator.StartAsync();
        var temp = Directory.CreateTempSubdirectory("clustersim-kubectl-");
        try
        {
            var kubeconfig = Path.Combine(temp.FullName, "kubeconfig");
            await sim.WriteKubeconfigAsync(kubeconfig);
            var kubectl = new Kubectl(executable, kubeconfig, Path.Combine(temp.FullName, "cache"));
            var manifest = Path.Combine(temp.FullName, "cm.yaml");
            await File.WriteAllTextAsync(manifest, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings, namespace: default}
                data: {mode: slow, extra: "1"}
                """);

            await kubectl.RunOkAsync("create", "configmap", "settings", "--from-literal=mode=fast", "--from-literal=other=kept");
            var refused = await kubectl.RunAsync("apply", "--server-side", "-f", manifest);
            var forced = await kubectl.RunOkAsync("apply", "--server-side", "--force-conflicts", "-f", manifest);
            var cm = JsonNode.Parse((await kubectl.RunOkAsync("get", "configmap", "settings", "-o", "json", "--show-managed-fields")).Stdout)!;
            var again = await kubectl.RunOkAsync("apply", "--server-side", "-f", manifest);

            Assert.True(refused.ExitCode != 0, refused.ToString());
            Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl-create\" using v1: .data.mode", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains("--force-conflicts", refused.Stderr, StringComparison.Ordinal); // kubectl's own advice for an apply conflict
            Assert.Contains("configmap/settings serverside-applied", forced.Stdout, StringComparison.Ordinal);
            Assert.Equal(("slow", "1", "kept"), (S(cm["data"]!["mode"]), S(cm["data"]!["extra"]), S(cm["data"]!["other"])));
            var entries = cm["metadata"]!["managedFields"]!.AsArray();
            var applied = entries.Single(e => S(e!["manager"]) == "kubectl" && S(e["operation"]) == "Apply")!;
            Assert.Equal("""{"f:data":{"f:extra":{},"f:mode":{}}}""", applied["fieldsV1"]!.ToJsonString());
            var created = entries.Single(e => S(e!["manager"]) == "kubectl-create")!;
            Assert.Equal("""{"f:data":{".":{},"f:other":{}}}""", created["fieldsV1"]!.ToJsonString());
            Assert.Contains("serverside-applied", again.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public async Task Kubectl_OverHttpsWithToken_TrustsTheCertificateAndNeedsTheToken(string executable)
    {
        await using var sim = await ClusterSimulator.StartAsync(new SimulatorOptions { UseHttps = true, Token = "t0k3n" });
        var temp = Directory.CreateTempSubdirectory("clustersim-kubectl-");
        try
        {
            var good = Path.Combine(temp.FullName, "good");
            var bad = Path.Combine(temp.FullName, "bad");
            await sim.WriteKubeconfigAsync(good);
            await File.WriteAllTextAsync(bad, sim.Kubeconfig().Replace("token: t0k3n", "token: wrong", StringComparison.Ordinal));

            var accepted = await new Kubectl(executable, good, Path.Combine(temp.FullName, "cache1")).RunAsync("get", "namespaces", "-o", "name");
            var refused = await new Kubectl(executable, bad, Path.Combine(temp.FullName, "cache2")).RunAsync("get", "namespaces", "-o", "name");

            Assert.True(accepted.ExitCode == 0, accepted.ToString());
            Assert.Contains("namespace/default", accepted.Stdout);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.True(refused.Stderr.Contains("Unauthorized", StringComparison.Ordinal) || refused.Stderr.Contains("provide credentials", StringComparison.Ordinal), refused.ToString());
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private static List<JsonObject> ReadDirectory(string dir) =>
        Directory.GetFiles(dir).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).SelectMany(TestFiles.ReadYamlDocuments).ToList();

    private static string S(JsonNode? node) => node!.GetValue<string>();

    private static async Task RunScenarioAsync(string executable, string crdDir, string samplesDir, string plural)
    {
        await using var sim = await ClusterSimulator.StartAsync();
        var temp = Directory.CreateTempSubdirectory("clustersim-kubectl-");
        try
        {
            var kubeconfig = Path.Combine(temp.FullName, "kubeconfig");
            await sim.WriteKubeconfigAsync(kubeconfig);
            var kubectl = new Kubectl(executable, kubeconfig, Path.Combine(temp.FullName, "cache"));

            // The CRD under test, its printer columns and spec schema.
            var crd = ReadDirectory(crdDir).Single(d => S(d["kind"]) == "CustomResourceDefinition" && S(d["spec"]!["names"]!["plural"]) == plural);
            var group = S(crd["spec"]!["group"]);
            var kind = S(crd["spec"]!["names"]!["kind"]);
            var resource = $"{plural}.{group}";
            var shortName = S(crd["spec"]!["names"]!["shortNames"]![0]);
            var version = crd["spec"]!["versions"]!.AsArray().Single(v => v!["storage"]!.GetValue<bool>())!;
            var columns = version["additionalPrinterColumns"]!.AsArray()
                .Where(c => (c!["priority"]?.GetValue<int>() ?? 0) == 0).Select(c => S(c!["name"]).ToUpperInvariant()).ToList();
            var specSchema = version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!.AsObject();

            var samples = ReadDirectory(samplesDir).Where(d => S(d["kind"]) == kind && S(d["apiVersion"]).StartsWith(group + "/", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(samples);
            var sample = samples[0];
            var name = S(sample["metadata"]!["name"]);
            var ns = sample["metadata"]!["namespace"]?.GetValue<string>() ?? "default";

            // kubectl apply -f crds/
            var crdsApplied = await kubectl.RunOkAsync("apply", "-f", crdDir);
            Assert.Contains($"customresourcedefinition.apiextensions.k8s.io/{resource} created", crdsApplied.Stdout);

            // The samples' namespaces, then kubectl apply -f config/samples/
            var namespaces = ReadDirectory(samplesDir).Select(d => d["metadata"]?["namespace"]?.GetValue<string>()).OfType<string>()
                .Where(n => n != "default").Distinct().ToList();
            if (namespaces.Count > 0)
            {
                var nsFile = Path.Combine(temp.FullName, "namespaces.yaml");
                await File.WriteAllTextAsync(nsFile, string.Join("---\n", namespaces.Select(n => $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {n}\n")));
                await kubectl.RunOkAsync("apply", "-f", nsFile);
            }

            var samplesApplied = await kubectl.RunOkAsync("apply", "-f", samplesDir);
            Assert.Contains($"{kind.ToLowerInvariant()}.{group}/{name} created", samplesApplied.Stdout);

            // kubectl get PLURAL -o json: every sample, stored with server fields and schema defaults.
            var list = JsonNode.Parse((await kubectl.RunOkAsync("get", resource, "--all-namespaces", "-o", "json")).Stdout)!;
            var items = list["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
            Assert.Equal(samples.Select(s => S(s["metadata"]!["name"])).Order(), items.Select(i => S(i["metadata"]!["name"])).Order());
            var stored = items.Single(i => S(i["metadata"]!["name"]) == name);
            Assert.Equal(1, stored["metadata"]!["generation"]!.GetValue<long>());
            Assert.True(Guid.TryParse(S(stored["metadata"]!["uid"]), out _));
            foreach (var (field, schema) in specSchema["properties"]!.AsObject())
            {
                if (schema!["default"] is { } def && sample["spec"]![field] is null)
                {
                    Assert.True(JsonNode.DeepEquals(def, stored["spec"]![field]), $"spec.{field} should default to {def.ToJsonString()}: {stored["spec"]!.ToJsonString()}");
                }
            }

            // kubectl get SHORTNAME: a table with the CRD's printer columns.
            var table = (await kubectl.RunOkAsync("get", shortName, "-n", ns)).Stdout.Split('\n');
            foreach (var column in columns.Prepend("NAME"))
            {
                Assert.Contains(column, table[0]);
            }

            Assert.Contains(table.Skip(1), line => line.StartsWith(name + " ", StringComparison.Ordinal));

            // kubectl explain reads the CRD schema from /openapi/v3.
            var explained = (await kubectl.RunOkAsync("explain", $"{plural}.spec")).Stdout;
            Assert.Contains(kind, explained);
            foreach (var field in specSchema["properties"]!.AsObject().Select(p => p.Key).Take(3))
            {
                Assert.Contains(field, explained);
            }

            // kubectl get --watch -o json streams the change kubectl patch --type=merge makes.
            using (var watch = new Kubectl.Streaming(kubectl.StartInfo("get", resource, name, "-n", ns, "--watch", "-o", "json")))
            {
                await watch.WaitForAsync(o => o.Contains($"\"name\": \"{name}\"", StringComparison.Ordinal), "the initial object");
                var patched = await kubectl.RunOkAsync("patch", resource, name, "-n", ns, "--type=merge",
                    "-p", """{"metadata":{"labels":{"ferry.io/acceptance":"patched"}}}""");
                Assert.Contains($"{name} patched", patched.Stdout);
                await watch.WaitForAsync(o => o.Contains("\"ferry.io/acceptance\": \"patched\"", StringComparison.Ordinal), "the patched label");
            }

            // An invalid variant of the sample is rejected with the offending field.
            var (invalid, brokenField) = InvalidVariant(sample, specSchema);
            var invalidFile = Path.Combine(temp.FullName, "invalid.json");
            await File.WriteAllTextAsync(invalidFile, invalid.ToJsonString());
            var rejected = await kubectl.RunAsync("apply", "-f", invalidFile);
            Assert.NotEqual(0, rejected.ExitCode);
            Assert.Contains("is invalid", rejected.Stderr);
            Assert.Contains(brokenField, rejected.Stderr);

            // A misspelled field is refused by kubectl's default validation (server-side, fieldValidation=Strict), naming
            // the field, on create and on the patch of an existing object; nothing is written.
            var typo = sample.DeepClone().AsObject();
            typo["metadata"]!["name"] = name + "-typo";
            typo["spec"]!["deleteDest"] = true;
            var typoFile = Path.Combine(temp.FullName, "typo.json");
            await File.WriteAllTextAsync(typoFile, typo.ToJsonString());
            var refused = await kubectl.RunAsync("apply", "-f", typoFile);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains($"{kind} in version \"{S(version["name"])}\" cannot be handled as a {kind}: strict decoding error: unknown field \"spec.deleteDest\"", refused.Stderr);
            Assert.NotEqual(0, (await kubectl.RunAsync("get", resource, name + "-typo", "-n", ns)).ExitCode);
            var typoPatch = sample.DeepClone().AsObject();
            typoPatch["spec"]!["deleteDest"] = true;
            await File.WriteAllTextAsync(typoFile, typoPatch.ToJsonString());
            var patchRefused = await kubectl.RunAsync("apply", "-f", typoFile);
            Assert.NotEqual(0, patchRefused.ExitCode);
            Assert.Contains("strict decoding error: unknown field \"spec.deleteDest\"", patchRefused.Stderr);
            var warned = await kubectl.RunOkAsync("apply", "--validate=warn", "-f", typoFile);
            Assert.Contains("unknown field \"spec.deleteDest\"", warned.Stderr);

            // kubectl delete, then the object is gone.
            var deleted = await kubectl.RunOkAsync("delete", resource, name, "-n", ns);
            Assert.Contains("deleted", deleted.Stdout);
            var gone = await kubectl.RunAsync("get", resource, name, "-n", ns);
            Assert.NotEqual(0, gone.ExitCode);
            Assert.Contains("NotFound", gone.Stderr);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>The sample renamed, with one spec field broken: an enum given an unsupported value, or a number
    /// below its minimum, or a required field removed.</summary>
    private static (JsonObject Invalid, string Field) InvalidVariant(JsonObject sample, JsonObject specSchema)
    {
        var invalid = sample.DeepClone().AsObject();
        invalid["metadata"]!["name"] = S(sample["metadata"]!["name"]) + "-invalid";
        var spec = invalid["spec"]!.AsObject();
        foreach (var (field, schema) in specSchema["properties"]!.AsObject())
        {
            if (schema!["enum"] is JsonArray)
            {
                spec[field] = "NotAnAllowedValue";
                return (invalid, $"spec.{field}");
            }

            if (schema["minimum"] is JsonValue min && schema["type"]?.GetValue<string>() == "integer")
            {
                spec[field] = min.GetValue<long>() - 1;
                return (invalid, $"spec.{field}");
            }
        }

        var required = S(specSchema["required"]![0]);
        spec.Remove(required);
        return (invalid, $"spec.{required}");
    }
}
