using Ferry.Api.Conditions;
using Ferry.Api.SyncJobs;
using Ferry.ClusterSim.Kubelet;
using Ferry.Kube.Client;
using Ferry.Operator.Tests.Support;
using k8s;
using k8s.Models;

namespace Ferry.Operator.Tests.SyncJobs;

/// <summary>The runner Job the operator creates, run by the simulator's process kubelet with a shell script standing in
/// for <c>ferry worker</c>: the pod's arguments, Secret env, claim mount and scratch directory reach the process, and a
/// worker that writes a succeeded outcome and exits 0 ends the SyncJob Complete.</summary>
public sealed class SyncJobReconcilerKubeletTests
{
    private const string FakeWorker = """
        #!/bin/sh
        # ferry worker --namespace NS --syncjob NAME --run UID --lease-duration S (a stand-in that finishes at once)
        set -eu
        [ "$1" = worker ] || exit 10
        ns=$3 name=$5 uid=$7
        [ -d "$FERRY_DESTINATION_ROOT" ] || exit 11
        [ -d "$TMPDIR" ] || exit 12
        [ -n "$FERRY_POD_NAME" ] || exit 13
        printf '%s' "$FERRY_SOURCE_ACCESS_KEY_ID" > "$FERRY_DESTINATION_ROOT/access-key-id"
        cat <<JSON | KUBECTL apply -f -
        {"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
         "metadata":{"name":"ferry-$name-scan","namespace":"$ns",
           "labels":{"ferry.io/syncjob":"$name","ferry.io/run":"$uid","ferry.io/lease":"scan"},
           "annotations":{"ferry.io/scan-state":"done","ferry.io/tasks":"0","ferry.io/outcome":"succeeded"},
           "ownerReferences":[{"apiVersion":"ferry.io/v1alpha1","kind":"SyncJob","name":"$name","uid":"$uid","controller":true}]},
         "spec":{"holderIdentity":"$FERRY_POD_NAME","leaseDurationSeconds":15}}
        JSON
        """;

    [Fact]
    public async Task Reconcile_ProcessKubelet_RunnerPodGetsContractAndRunCompletes()
    {
        var work = Directory.CreateTempSubdirectory("ferry-operator-kubelet-");
        try
        {
            var script = Path.Combine(work.FullName, "fake-worker.sh");
            var kubectl = Environment.GetEnvironmentVariable("FERRY_KUBECTL") is { Length: > 0 } k ? k : "kubectl";
            await File.WriteAllTextAsync(script, FakeWorker.Replace("\r", "", StringComparison.Ordinal).Replace("KUBECTL", $"'{kubectl}'", StringComparison.Ordinal) + "\n");
            var volumes = Path.Combine(work.FullName, "volumes");
            var kubelet = new ProcessKubelet(new ProcessKubeletOptions
            {
                VolumesDirectory = volumes,
                Images = { ["ghcr.io/ferry-io/ferry:*"] = "/bin/sh " + script },
            });
            await using var h = await OperatorHarness.StartAsync(kubelet: kubelet);
            // kubectl in the pod uses its in-cluster configuration: the runner's service account needs the Lease verbs.
            h.Sim.Store.CreateFromYaml("""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: leases, namespace: default}
                rules: [{apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, patch]}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: leases, namespace: default}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leases}
                subjects: [{kind: ServiceAccount, name: default, namespace: default}]
                """);
            await h.CreateS3SecretAsync(accessKey: "AKIAPROOF");
            h.CreateClaim();
            var syncJob = OperatorHarness.S3ToVolume("kubelet");
            syncJob.Spec.Workers = 1;
            await h.CreateSyncJobAsync(syncJob);

            var done = await Eventually.MatchAsync(() => h.GetSyncJobAsync("kubelet"),
                s => s?.Status?.Conditions?.IsConditionTrue(SyncJobConditionTypes.Complete) == true, "Complete from a runner process", TimeSpan.FromSeconds(30));
            Assert.Equal(SyncJobPhase.Succeeded, done!.Status!.Phase);
            Assert.Equal("AKIAPROOF", await File.ReadAllTextAsync(Path.Combine(volumes, "data", "access-key-id")));
            var job = await Eventually.MatchAsync(() => h.GetJobAsync("kubelet"),
                j => j?.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true, "the runner Job complete");
            Assert.Equal(1, job!.Status!.Succeeded);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
