using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using Ferry.Api.Runs;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using Ferry.Operator.SyncJobs;
using k8s;
using k8s.Models;

namespace Ferry.Operator.Tests.SyncJobs;

public sealed class RunnerJobBuilderTests
{
    private static readonly RunnerJobSettings Settings = new("ghcr.io/ferry-io/ferry:1.0", 20, "ferry-runner");

    private static SyncJob SftpToVolume(string name = "sj") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns1", Uid = "uid-1" },
        Spec = new SyncJobSpec
        {
            Source = new Endpoint
            {
                Sftp = new SftpEndpoint { Host = "sftp.example", User = "u", Path = "/export", CredentialsSecretRef = new SftpCredentialsSecretRef { Name = "sftp-creds" } },
            },
            Destination = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "pvc" } },
        },
    };

    private static Dictionary<string, IReadOnlySet<string>> Keys(params string[] keys) => new() { ["sftp-creds"] = new HashSet<string>(keys) };

    [Fact]
    public void Build_SftpWithPrivateKey_ProjectsKeyAndKnownHostsReadOnly()
    {
        var job = RunnerJobBuilder.Build(SftpToVolume(), Settings, Keys("privateKey", "knownHosts"));

        var pod = job.Spec!.Template.Spec;
        var volume = Assert.Single(pod.Volumes!, v => v.Secret is not null);
        Assert.Equal("sftp-creds", volume.Secret!.SecretName);
        Assert.Equal(256, volume.Secret.DefaultMode); // 0400
        Assert.Equal([("privateKey", "privateKey"), ("knownHosts", "knownHosts")], volume.Secret.Items!.Select(i => (i.Key, i.Path)));
        var container = Assert.Single(pod.Containers);
        var mount = Assert.Single(container.VolumeMounts!, m => m.Name == volume.Name);
        Assert.Equal((RunnerContract.SftpSecretMountPath(false), true), (mount.MountPath, mount.ReadOnlyProperty == true));
        var env = container.Env!.ToDictionary(e => e.Name);
        Assert.Equal("/etc/ferry/source", env["FERRY_SOURCE_SFTP_SECRET_DIR"].Value);
        Assert.Equal(("sftp-creds", "password", true), (env["FERRY_SOURCE_SFTP_PASSWORD"].ValueFrom!.SecretKeyRef!.Name, env["FERRY_SOURCE_SFTP_PASSWORD"].ValueFrom!.SecretKeyRef!.Key, env["FERRY_SOURCE_SFTP_PASSWORD"].ValueFrom!.SecretKeyRef!.Optional == true));
        Assert.Equal("/data/destination", env["FERRY_DESTINATION_ROOT"].Value);
    }

    [Fact]
    public void Build_SftpWithPasswordOnly_ProjectsKnownHostsOnly()
    {
        var job = RunnerJobBuilder.Build(SftpToVolume(), Settings, Keys("password", "knownHosts"));

        var volume = Assert.Single(job.Spec!.Template.Spec.Volumes!, v => v.Secret is not null);
        Assert.Equal(["knownHosts"], volume.Secret!.Items!.Select(i => i.Path));
    }

    [Fact]
    public void Build_RunnerSpec_MapsImageResourcesPlacementAndServiceAccount()
    {
        var syncJob = SftpToVolume();
        syncJob.Spec.Runner = new RunnerSpec
        {
            Image = "registry.local/ferry:dev",
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("1Gi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") },
            },
            NodeSelector = new Dictionary<string, string> { ["zone"] = "a" },
            Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "movers", Effect = "NoSchedule", TolerationSeconds = 30 }],
            ServiceAccountName = "custom-sa",
        };

        var pod = RunnerJobBuilder.Build(syncJob, Settings, Keys("password", "knownHosts")).Spec!.Template.Spec;

        var container = pod.Containers[0];
        Assert.Equal("registry.local/ferry:dev", container.Image);
        Assert.Equal("500m", container.Resources!.Requests!["cpu"].ToString());
        Assert.Equal("1Gi", container.Resources.Requests["memory"].ToString());
        Assert.Equal("2", container.Resources.Limits!["cpu"].ToString());
        Assert.Equal("a", pod.NodeSelector!["zone"]);
        var toleration = Assert.Single(pod.Tolerations!);
        Assert.Equal(("dedicated", "Equal", "movers", "NoSchedule", 30L), (toleration.Key, toleration.OperatorProperty, toleration.Value, toleration.Effect, toleration.TolerationSeconds!.Value));
        Assert.Equal("custom-sa", pod.ServiceAccountName);
    }

    [Fact]
    public void Build_NoRunnerSpec_UsesOperatorDefaults()
    {
        var job = RunnerJobBuilder.Build(SftpToVolume(), Settings, Keys("password", "knownHosts"));

        var pod = job.Spec!.Template.Spec;
        Assert.Equal("ghcr.io/ferry-io/ferry:1.0", pod.Containers[0].Image);
        Assert.Equal("ferry-runner", pod.ServiceAccountName);
        Assert.Equal(1, job.Spec.Parallelism);
        Assert.Equal(6, job.Spec.BackoffLimit);
        Assert.Null(job.Spec.ActiveDeadlineSeconds);
        Assert.Null(job.Spec.Suspend);
        Assert.Equal("20", pod.Containers[0].Args![^1]);
        Assert.Null(pod.Containers[0].Command);
    }

    [Fact]
    public void Build_ReadOnlySourceVolumeWithPath_MountsClaimReadOnlyAtTheContractPath()
    {
        var syncJob = SftpToVolume();
        syncJob.Spec.Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "in", Path = "a/b/", ReadOnly = true } };
        syncJob.Spec.Destination = new Endpoint { S3 = new S3Endpoint { Bucket = "bucket" } };

        var container = RunnerJobBuilder.Build(syncJob, Settings, Keys()).Spec!.Template.Spec.Containers[0];

        var env = container.Env!.ToDictionary(e => e.Name);
        Assert.Equal("/data/source", env["FERRY_SOURCE_ROOT"].Value);
        Assert.Null(Assert.Single(container.VolumeMounts!, m => m.MountPath == "/data/source").SubPath);
        Assert.True(Assert.Single(container.VolumeMounts!, m => m.MountPath == "/data/source").ReadOnlyProperty);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("FERRY_DESTINATION_", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_SuspendedAndDeadline_CopiedToJob()
    {
        var syncJob = SftpToVolume();
        syncJob.Spec.Suspend = true;
        syncJob.Spec.ActiveDeadlineSeconds = 90;
        syncJob.Spec.BackoffLimit = 2;
        syncJob.Spec.Workers = 7;

        var spec = RunnerJobBuilder.Build(syncJob, Settings, Keys("password", "knownHosts")).Spec!;

        Assert.Equal((true, 90L, 2, 7), (spec.Suspend == true, spec.ActiveDeadlineSeconds!.Value, spec.BackoffLimit!.Value, spec.Parallelism!.Value));
    }

    [Fact]
    public void Build_LongName_JobNameIsADnsLabel()
    {
        var name = new string('a', 120);

        var job = RunnerJobBuilder.Build(SftpToVolume(name), Settings, Keys("password", "knownHosts"));

        Assert.Equal(RunNames.JobName(name), job.Metadata.Name);
        Assert.True(job.Metadata.Name!.Length <= 63);
        Assert.Equal(name, job.Metadata.Labels![RunLabels.SyncJob]);
    }

    [Fact]
    public void Build_SecurityContext_RestrictedProfile()
    {
        var pod = RunnerJobBuilder.Build(SftpToVolume(), Settings, Keys("password", "knownHosts")).Spec!.Template.Spec;

        Assert.Equal((true, 65532L, "RuntimeDefault"), (pod.SecurityContext!.RunAsNonRoot == true, pod.SecurityContext.RunAsUser!.Value, pod.SecurityContext.SeccompProfile!.Type));
        var sc = pod.Containers[0].SecurityContext!;
        Assert.Equal((true, false, false), (sc.ReadOnlyRootFilesystem == true, sc.AllowPrivilegeEscalation!.Value, sc.Privileged!.Value));
        Assert.Equal(["ALL"], sc.Capabilities!.Drop);
        var scratch = Assert.Single(pod.Containers[0].VolumeMounts!, m => m.MountPath == RunnerJobBuilder.TempMountPath);
        Assert.NotNull(Assert.Single(pod.Volumes!, v => v.Name == scratch.Name).EmptyDir);
        Assert.Equal(RunnerJobBuilder.TempMountPath, Assert.Single(pod.Containers[0].Env!, e => e.Name == "TMPDIR").Value);
    }
}
