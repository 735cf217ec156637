using System.Globalization;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Runs;
using Ferry.Kube.Runtime;
using k8s.Models;
using Ferry.Operator.SyncJobs;
using Ferry.Api.Sync;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>Builds the watcher pod of a continuous ReplicaMirror, following <see cref="WatcherContract"/>.</summary>
/// <remarks>
/// <para>One long-lived pod per mirror (<c>restartPolicy: Never</c>: the operator creates the next one, with back-off,
/// when it ends), owned by the mirror (controller ownerReference), named <c>MIRROR-watcher-N</c>. It mounts the source
/// claim read-only at <c>/data/source</c> and reaches destination <c>i</c> through the runner's contract under the
/// prefix <c>FERRY_DESTINATION_i_</c> (<see cref="RunnerJobBuilder.AddEndpoint"/>), with <c>FERRY_DESTINATION_i_NAME</c>
/// naming it; destinations that are suspended or whose references are missing are left out, so a broken Secret of one
/// destination never keeps the watcher from starting. Same image, ServiceAccount, resources, node selector, tolerations
/// and restricted security context as a runner pod.</para>
/// <para>Annotations: the mirror's generation the pod was built from (<see cref="WatcherContract.MirrorGenerationAnnotation"/>;
/// a pod of an older generation is replaced), the destinations it serves (<see cref="WatcherContract.DestinationsAnnotation"/>;
/// replaced when they change) and how many watcher pods in a row had ended quickly before it
/// (<see cref="FailuresAnnotation"/>), from which the next back-off is computed.</para>
/// </remarks>
internal static class WatcherPodBuilder
{
    /// <summary>Pod annotation: watcher pods in a row that ended quickly before this one (decimal).</summary>
    public const string FailuresAnnotation = "ferry.io/watcher-failures";

    /// <summary>The env variable suffix naming a destination in the watcher pod.</summary>
    public const string NameSuffix = "NAME";

    /// <summary>Builds the pod.</summary>
    /// <param name="mirror">The mirror, with defaults applied (name, namespace, uid, generation).</param>
    /// <param name="number">The pod's number (0 for the first).</param>
    /// <param name="failures">Watcher pods in a row that ended quickly before this one.</param>
    /// <param name="settings">Operator defaults: image, ServiceAccount.</param>
    /// <param name="destinations">The destinations it serves (<see cref="WatcherPlanner.Destinations"/>); the others
    /// (suspended or with missing references) are left out.</param>
    /// <param name="secretKeys">The keys of each referenced Secret.</param>
    /// <returns>The pod to create.</returns>
    /// <exception cref="ArgumentException">The mirror has no name or its source is not a volume.</exception>
    public static V1Pod Build(ReplicaMirror mirror, long number, long failures, RunnerJobSettings settings, IReadOnlyList<string> destinations,
        IReadOnlyDictionary<string, IReadOnlySet<string>> secretKeys)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        string name = mirror.Metadata.Name ?? throw new ArgumentException("The mirror has no name.", nameof(mirror));
        string ns = mirror.Metadata.NamespaceProperty ?? "default";
        ReplicaMirrorSpec spec = mirror.Spec;
        VolumeEndpoint source = spec.Source.Volume ?? throw new ArgumentException("continuous needs a volume source", nameof(mirror));
        RunnerSpec? runner = spec.Runner;

        var env = new List<V1EnvVar>
        {
            new() { Name = RunnerContract.PodNameVariable, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.name" } } },
            new() { Name = "TMPDIR", Value = RunnerJobBuilder.TempMountPath },
        };
        var volumes = new List<V1Volume> { new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() } };
        var mounts = new List<V1VolumeMount> { new() { Name = "tmp", MountPath = RunnerJobBuilder.TempMountPath } };
        var readOnlySource = new Endpoint { Volume = new VolumeEndpoint { ClaimName = source.ClaimName, Path = source.Path, ReadOnly = true } };
        RunnerJobBuilder.AddEndpoint(readOnlySource, RunnerContract.Side(false), "source", RunnerContract.VolumeMountPath(false),
            RunnerContract.SftpSecretMountPath(false), env, volumes, mounts, secretKeys);
        for (int i = 0; i < spec.Destinations.Count; i++)
        {
            MirrorDestination destination = spec.Destinations[i];
            if (!destinations.Contains(destination.Name))
            {
                continue;
            }

            string prefix = WatcherContract.DestinationSide(i);
            env.Add(new V1EnvVar { Name = prefix + NameSuffix, Value = destination.Name });
            RunnerJobBuilder.AddEndpoint(destination, prefix, string.Create(CultureInfo.InvariantCulture, $"destination-{i}"),
                WatcherContract.DestinationVolumeMountPath(i), WatcherContract.DestinationSftpSecretMountPath(i), env, volumes, mounts, secretKeys);
        }

        Dictionary<string, string> labels = WatcherContract.Labels(mirror);
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = WatcherContract.PodName(name, number),
                NamespaceProperty = ns,
                Labels = labels,
                Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [WatcherContract.MirrorGenerationAnnotation] = (mirror.Metadata.Generation ?? 0).ToString(CultureInfo.InvariantCulture),
                    [WatcherContract.DestinationsAnnotation] = string.Join(',', destinations),
                    [FailuresAnnotation] = failures.ToString(CultureInfo.InvariantCulture),
                },
                OwnerReferences = [OwnerReferences.ControllerOf(mirror)],
            },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                ServiceAccountName = string.IsNullOrEmpty(runner?.ServiceAccountName) ? settings.DefaultServiceAccountName : runner.ServiceAccountName,
                NodeSelector = runner?.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
                Tolerations = runner?.Tolerations is { Count: > 0 } tolerations ? [.. tolerations] : null,
                SecurityContext = RunnerJobBuilder.PodSecurityContext(),
                Containers =
                [
                    new V1Container
                    {
                        Name = RunnerContract.ContainerName,
                        Image = string.IsNullOrEmpty(runner?.Image) ? settings.DefaultImage : runner.Image,
                        Args = [WatcherContract.Command, "--namespace", ns, "--mirror", name],
                        Env = env,
                        VolumeMounts = mounts,
                        Resources = runner?.Resources,
                        SecurityContext = RunnerJobBuilder.ContainerSecurityContext(),
                    },
                ],
                Volumes = volumes,
            },
        };
    }
}
