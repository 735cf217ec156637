using System.Globalization;
using Ferry.Api;
using Ferry.Api.Endpoints;
using Ferry.Api.Runs;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;
using Ferry.Kube.Runtime;

namespace Ferry.Operator.SyncJobs;

/// <summary>Builds the runner <c>batch/v1</c> Job of a SyncJob run, following <see cref="RunnerContract"/>.</summary>
/// <remarks>
/// <para>The work-queue pattern of the Kubernetes Job documentation: <c>parallelism: spec.workers</c>, no
/// <c>completions</c>, so the Job completes once a worker exits 0 after the queue is finished. The Job has a
/// deterministic name (<see cref="RunNames.JobName"/>) and a controller ownerReference to the SyncJob, so garbage
/// collection removes it (and its pods) with the SyncJob.</para>
/// <para>Credentials reach the pod only as <c>secretKeyRef</c> env variables or a Secret volume, never as
/// arguments or literal values. A <c>volume</c> side mounts the whole claim at
/// <see cref="RunnerContract.VolumeMountPath"/> and passes that mount path in <c>FERRY_SIDE_ROOT</c>; the worker
/// appends <c>volume.path</c> (read from the spec) itself, so no <c>subPath</c> is used and a destination
/// directory that does not exist yet can be created by the worker. The pod runs as user 65532, non-root, with a read-only root filesystem (an
/// <c>emptyDir</c> at <see cref="TempMountPath"/>, also <c>TMPDIR</c>), no privilege escalation and every capability dropped (Pod Security Standards,
/// "restricted").</para>
/// </remarks>
internal static class RunnerJobBuilder
{
    /// <summary>The non-root user and group id the runner runs as (the distroless "nonroot" user).</summary>
    public const long RunAsUser = 65532;

    /// <summary>Where the runner's writable scratch <c>emptyDir</c> is mounted (also its <c>TMPDIR</c>), e.g. for a
    /// private copy of an SFTP key whose mounted file is group-readable.</summary>
    public const string TempMountPath = "/ferry/tmp";

    /// <summary>The Job annotation holding <see cref="RunnerSpecHash"/> of the <c>spec.runner</c> it was built from.</summary>
    public const string RunnerSpecHashAnnotation = "ferry.io/runner-spec-hash";

    /// <summary>A short hash of a SyncJob's <c>spec.runner</c> (16 hex digits of the SHA-256 of its JSON); a Job whose
    /// annotation differs was built from an older runner spec.</summary>
    /// <param name="runner">The runner spec, or <see langword="null"/>.</param>
    /// <returns>The hash.</returns>
    public static string RunnerSpecHash(RunnerSpec? runner)
    {
        string json = runner is null ? "null" : System.Text.Json.JsonSerializer.Serialize(runner, Ferry.Api.Serialization.ApiJsonContext.Default.RunnerSpec);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..16];
    }

    /// <summary>Builds the Job.</summary>
    /// <param name="syncJob">The SyncJob; needs metadata name, namespace and uid.</param>
    /// <param name="settings">Operator defaults: image, lease duration, ServiceAccount.</param>
    /// <param name="secretKeys">The keys of each referenced Secret (from <see cref="SpecValidator"/>); decides which
    /// SFTP files are projected.</param>
    /// <returns>The Job to create.</returns>
    /// <exception cref="ArgumentException">The SyncJob has no name or uid.</exception>
    public static V1Job Build(SyncJob syncJob, RunnerJobSettings settings, IReadOnlyDictionary<string, IReadOnlySet<string>> secretKeys)
    {
        ArgumentNullException.ThrowIfNull(syncJob);
        ArgumentNullException.ThrowIfNull(settings);
        string name = syncJob.Metadata.Name ?? throw new ArgumentException("The SyncJob has no name.", nameof(syncJob));
        string uid = syncJob.Metadata.Uid ?? throw new ArgumentException("The SyncJob has no uid.", nameof(syncJob));
        string ns = syncJob.Metadata.NamespaceProperty ?? "default";
        SyncJobSpec spec = syncJob.Spec;
        RunnerSpec? runner = spec.Runner;

        var env = new List<V1EnvVar>
        {
            new() { Name = RunnerContract.PodNameVariable, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.name" } } },
        };
        env.Add(new V1EnvVar { Name = "TMPDIR", Value = TempMountPath });
        var volumes = new List<V1Volume> { new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() } };
        var mounts = new List<V1VolumeMount> { new() { Name = "tmp", MountPath = TempMountPath } };
        AddSide(spec.Source, destination: false, env, volumes, mounts, secretKeys);
        AddSide(spec.Destination, destination: true, env, volumes, mounts, secretKeys);

        Dictionary<string, string> labels = Labels(name, uid);
        var container = new V1Container
        {
            Name = RunnerContract.ContainerName,
            Image = string.IsNullOrEmpty(runner?.Image) ? settings.DefaultImage : runner.Image,
            Args =
            [
                RunnerContract.WorkerCommand,
                "--namespace", ns,
                "--syncjob", name,
                "--run", uid,
                "--lease-duration", settings.LeaseDurationSeconds.ToString(CultureInfo.InvariantCulture),
            ],
            Env = env,
            VolumeMounts = mounts,
            Resources = runner?.Resources,
            SecurityContext = ContainerSecurityContext(),
        };

        return new V1Job
        {
            Metadata = new V1ObjectMeta
            {
                Name = RunNames.JobName(name),
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>(labels),
                Annotations = new Dictionary<string, string> { [RunnerSpecHashAnnotation] = RunnerSpecHash(runner) },
                OwnerReferences = [OwnerReferences.ControllerOf(syncJob)],
            },
            Spec = new V1JobSpec
            {
                Parallelism = spec.Workers ?? SyncOptionLimits.DefaultWorkers,
                BackoffLimit = spec.BackoffLimit ?? SyncOptionLimits.DefaultBackoffLimit,
                ActiveDeadlineSeconds = spec.ActiveDeadlineSeconds,
                Suspend = spec.Suspend == true ? true : null,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        ServiceAccountName = string.IsNullOrEmpty(runner?.ServiceAccountName) ? settings.DefaultServiceAccountName : runner.ServiceAccountName,
                        NodeSelector = runner?.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
                        Tolerations = runner?.Tolerations is { Count: > 0 } tolerations ? [.. tolerations] : null,
                        SecurityContext = PodSecurityContext(),
                        Containers = [container],
                        Volumes = volumes,
                    },
                },
            },
        };
    }

    /// <summary>The runner container's security context (Pod Security Standards, "restricted"), shared with the watcher pod.</summary>
    /// <returns>A new object.</returns>
    internal static V1SecurityContext ContainerSecurityContext() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = RunAsUser,
        RunAsGroup = RunAsUser,
        ReadOnlyRootFilesystem = true,
        AllowPrivilegeEscalation = false,
        Privileged = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    /// <summary>The runner pod's security context, shared with the watcher pod.</summary>
    /// <returns>A new object.</returns>
    internal static V1PodSecurityContext PodSecurityContext() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = RunAsUser,
        RunAsGroup = RunAsUser,
        FsGroup = RunAsUser,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    /// <summary>The labels of the runner Job, its pods and (set by the workers) the run's Leases.</summary>
    /// <param name="name">The SyncJob's name.</param>
    /// <param name="uid">The SyncJob's uid (the run).</param>
    /// <returns>A new dictionary.</returns>
    public static Dictionary<string, string> Labels(string name, string uid) => new(StringComparer.Ordinal)
    {
        [RunLabels.SyncJob] = name,
        [RunLabels.Run] = uid,
        [RunLabels.ManagedBy] = RunLabels.ManagedByValue,
    };

    private static void AddSide(Endpoint endpoint, bool destination, List<V1EnvVar> env, List<V1Volume> volumes, List<V1VolumeMount> mounts, IReadOnlyDictionary<string, IReadOnlySet<string>> secretKeys) =>
        AddEndpoint(endpoint, RunnerContract.Side(destination), destination ? "destination" : "source", RunnerContract.VolumeMountPath(destination),
            RunnerContract.SftpSecretMountPath(destination), env, volumes, mounts, secretKeys);

    /// <summary>Adds what a pod needs to reach one endpoint, following <see cref="RunnerContract"/> with the given
    /// variable prefix and mount paths: S3 credentials as <c>secretKeyRef</c> env, a PVC mount (read-only when the
    /// endpoint says so) with its path in <c>PREFIX_ROOT</c>, an SFTP Secret volume with its directory in
    /// <c>PREFIX_SFTP_SECRET_DIR</c>. The runner Job and the continuous mirror's watcher pod share it.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="prefix">The env variable prefix, e.g. <c>FERRY_DESTINATION_</c>.</param>
    /// <param name="volumeName">The pod volume's name for the PVC (the SFTP Secret's is this plus <c>-sftp</c>).</param>
    /// <param name="volumeMountPath">Where the PVC is mounted.</param>
    /// <param name="sftpMountPath">Where the SFTP Secret is mounted.</param>
    /// <param name="env">The container's env, extended.</param>
    /// <param name="volumes">The pod's volumes, extended.</param>
    /// <param name="mounts">The container's mounts, extended.</param>
    /// <param name="secretKeys">The keys of each referenced Secret: decides which SFTP files are projected.</param>
    internal static void AddEndpoint(Endpoint endpoint, string prefix, string volumeName, string volumeMountPath, string sftpMountPath,
        List<V1EnvVar> env, List<V1Volume> volumes, List<V1VolumeMount> mounts, IReadOnlyDictionary<string, IReadOnlySet<string>> secretKeys)
    {
        if (endpoint.S3?.CredentialsSecretRef is { } s3)
        {
            env.Add(SecretEnv(prefix + RunnerContract.AccessKeyId, s3.Name, s3.AccessKeyIdKey ?? S3CredentialsSecretRef.DefaultAccessKeyIdKey, optional: false));
            env.Add(SecretEnv(prefix + RunnerContract.SecretAccessKey, s3.Name, s3.SecretAccessKeyKey ?? S3CredentialsSecretRef.DefaultSecretAccessKeyKey, optional: false));
            env.Add(SecretEnv(prefix + RunnerContract.SessionToken, s3.Name, s3.SessionTokenKey ?? S3CredentialsSecretRef.DefaultSessionTokenKey, optional: true));
        }
        else if (endpoint.Volume is { } volume)
        {
            string mountPath = volumeMountPath;
            volumes.Add(new V1Volume
            {
                Name = volumeName,
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = volume.ClaimName, ReadOnlyProperty = volume.ReadOnly == true ? true : null },
            });
            mounts.Add(new V1VolumeMount { Name = volumeName, MountPath = mountPath, ReadOnlyProperty = volume.ReadOnly == true ? true : null });
            env.Add(new V1EnvVar { Name = prefix + RunnerContract.Root, Value = mountPath });
        }
        else if (endpoint.Sftp is { } sftp)
        {
            SftpCredentialsSecretRef secretRef = sftp.CredentialsSecretRef;
            IReadOnlySet<string> keys = secretKeys.GetValueOrDefault(secretRef.Name) ?? new HashSet<string>();
            string privateKey = secretRef.PrivateKeyKey ?? SftpCredentialsSecretRef.DefaultPrivateKeyKey;
            string knownHosts = secretRef.KnownHostsKey ?? SftpCredentialsSecretRef.DefaultKnownHostsKey;
            var items = new List<V1KeyToPath> { new() { Key = knownHosts, Path = RunnerContract.KnownHostsFile } };
            if (keys.Contains(privateKey))
            {
                items.Insert(0, new V1KeyToPath { Key = privateKey, Path = RunnerContract.PrivateKeyFile });
            }

            string secretVolume = volumeName + "-sftp";
            string mountPath = sftpMountPath;
            volumes.Add(new V1Volume
            {
                Name = secretVolume,
                Secret = new V1SecretVolumeSource { SecretName = secretRef.Name, DefaultMode = Convert.ToInt32("400", 8), Items = items },
            });
            mounts.Add(new V1VolumeMount { Name = secretVolume, MountPath = mountPath, ReadOnlyProperty = true });
            env.Add(new V1EnvVar { Name = prefix + RunnerContract.SftpSecretDir, Value = mountPath });
            env.Add(SecretEnv(prefix + RunnerContract.SftpPassword, secretRef.Name, secretRef.PasswordKey ?? SftpCredentialsSecretRef.DefaultPasswordKey, optional: true));
        }
    }

    private static V1EnvVar SecretEnv(string name, string secret, string key, bool optional) => new()
    {
        Name = name,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key, Optional = optional ? true : null } },
    };
}
