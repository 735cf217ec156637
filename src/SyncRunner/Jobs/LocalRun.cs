using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api;
using Ferry.Api.Endpoints;
using Ferry.Api.Runs;
using Ferry.Api.Schema;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Serialization;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using k8s;
using k8s.Models;

namespace Ferry.SyncRunner.Jobs;

/// <summary>
/// <c>ferry run</c>: runs a SyncJob manifest on this machine with N workers — N <see cref="SyncEngine"/>s sharing
/// one <see cref="InProcessWorkQueue"/>, each with its own connections to both sides — and computes the status the
/// operator would write.
/// </summary>
/// <remarks>Credentials come from the Secret documents given with the manifest, through the same environment
/// contract as a runner pod (<see cref="RunnerContract"/>); <c>volume</c> claims map to local directories.</remarks>
internal sealed class LocalRun
{
    private readonly List<string> _temporaryDirectories = [];

    private LocalRun(SyncJob job, Dictionary<string, V1Secret> secrets, Dictionary<string, V1ConfigMap> configMaps)
    {
        Job = job;
        Secrets = secrets;
        ConfigMaps = configMaps;
    }

    /// <summary>The SyncJob, defaults applied.</summary>
    public SyncJob Job { get; }

    /// <summary>The Secrets of the manifests, by name.</summary>
    public Dictionary<string, V1Secret> Secrets { get; }

    /// <summary>The ConfigMaps of the manifests, by name.</summary>
    public Dictionary<string, V1ConfigMap> ConfigMaps { get; }

    /// <summary>Reads manifests: exactly one SyncJob, any number of Secrets and ConfigMaps (Namespaces and
    /// PersistentVolumeClaims are ignored).</summary>
    /// <exception cref="ConfigurationException">No SyncJob, several, or a document of another kind.</exception>
    /// <exception cref="ManifestException">A document is malformed.</exception>
    public static LocalRun Read(IEnumerable<(string Name, string Text)> files)
    {
        LocalManifests manifests = LocalManifests.Read(files);
        return manifests.Resource as SyncJob is { } job
            ? For(job, manifests)
            : throw new ConfigurationException($"the given files hold a {manifests.Resource.Kind}, not a SyncJob");
    }

    /// <summary>A local run of <paramref name="job"/> with the Secrets and ConfigMaps of <paramref name="manifests"/>;
    /// the SyncJob's defaults are applied.</summary>
    /// <param name="job">The SyncJob (e.g. a ReplicaMirror's child).</param>
    /// <param name="manifests">The Secrets and ConfigMaps it may refer to.</param>
    /// <returns>The run, not started.</returns>
    public static LocalRun For(SyncJob job, LocalManifests manifests)
    {
        SchemaDefaults.Apply(job.Spec);
        return new LocalRun(job, manifests.Secrets, manifests.ConfigMaps);
    }

    /// <summary>The runner environment a pod of this SyncJob would get: credentials from the Secrets, volume roots
    /// from <paramref name="volumes"/>; SFTP key files are written to private temporary directories.</summary>
    /// <exception cref="ConfigurationException">A referenced Secret, Secret key or volume mapping is missing.</exception>
    public Dictionary<string, string> Environment(IReadOnlyDictionary<string, string> volumes)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        AddSide(env, Job.Spec.Source, false, volumes);
        AddSide(env, Job.Spec.Destination, true, volumes);
        return env;
    }

    /// <summary>The <c>filesFrom</c> list from the manifests' ConfigMap, or <see langword="null"/>.</summary>
    /// <exception cref="ConfigurationException">The ConfigMap or its key is missing.</exception>
    public IReadOnlyList<string>? FilesFrom()
    {
        if (Job.Spec.FilesFrom is not { } selector)
        {
            return null;
        }

        return ConfigMaps.TryGetValue(selector.Name, out V1ConfigMap? map) && map.Data.GetOrNull(selector.Key) is { } text
            ? Cli.WorkerCommand.FileList(text)
            : throw new ConfigurationException($"ConfigMap {selector.Name} with key {selector.Key} (spec.filesFrom) is not in the given files");
    }

    /// <summary>Runs the SyncJob with <paramref name="workers"/> engines on one in-process queue.</summary>
    /// <returns>The status the operator would write.</returns>
    /// <exception cref="ConfigurationException">The spec, its <c>filesFrom</c> list or a side cannot be used (e.g. a
    /// volume directory that does not exist, a credential the spec needs is missing).</exception>
    public async Task<SyncJobStatus> RunAsync(int workers, IReadOnlyDictionary<string, string> environment, Action<string>? onError, TimeProvider time, CancellationToken cancellationToken)
    {
        SyncOptions options = SyncJobTranslator.ToOptions(Job.Spec, FilesFrom());
        string? Env(string name) => environment.GetValueOrDefault(name);
        var queue = new InProcessWorkQueue();
        DateTimeOffset started = time.GetUtcNow();
        var storages = new List<IObjectStorage>();
        try
        {
            var runs = new List<Task<SyncResult>>();
            for (int i = 0; i < workers; i++)
            {
                IObjectStorage source = UserInput.Open(() => SyncJobTranslator.CreateStorage(Job.Spec.Source, false, Env));
                storages.Add(source);
                IObjectStorage destination = UserInput.Open(() => SyncJobTranslator.CreateStorage(Job.Spec.Destination, true, Env));
                storages.Add(destination);
                var engine = new SyncEngine(source, destination, options, new SyncEngineSettings
                {
                    HolderIdentity = $"{Job.Metadata.Name}-worker-{i}",
                    Distributed = true,
                    Time = time,
                    OnError = onError,
                });
                runs.Add(engine.RunAsync(queue, cancellationToken));
            }

            await Task.WhenAll(runs).ConfigureAwait(false);
        }
        finally
        {
            foreach (IObjectStorage storage in storages)
            {
                await storage.DisposeAsync().ConfigureAwait(false);
            }

            foreach (string dir in _temporaryDirectories)
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        QueueStatus copies = await queue.GetStatusAsync(RangeTaskPhase.Copy, cancellationToken).ConfigureAwait(false);
        QueueStatus deletes = await queue.GetStatusAsync(RangeTaskPhase.Delete, cancellationToken).ConfigureAwait(false);
        QueueOutcome outcome = await queue.GetOutcomeAsync(cancellationToken).ConfigureAwait(false) ?? new QueueOutcome(false, "no outcome was recorded", RunFailureKind.ObjectsFailed);
        return Status(Job, workers, copies, deletes, outcome, started, time);
    }

    /// <summary>The status of a finished run as the operator writes it (<see cref="SyncJobStatusBuilder"/>).</summary>
    internal static SyncJobStatus Status(SyncJob job, int workers, QueueStatus copies, QueueStatus deletes, QueueOutcome outcome, DateTimeOffset started, TimeProvider time)
    {
        TaskCounters sum = copies.Counters.Clone();
        sum.Add(deletes.Counters);
        long generation = job.Metadata.Generation ?? 1;
        var status = new SyncJobStatus { ObservedGeneration = generation };
        SyncJobStatusBuilder.SetSpecValid(status, SyncJobConditionReasons.Valid, "the spec is valid and every referenced Secret, ConfigMap and volume was given", generation, time);
        SyncJobStatusBuilder.SetStarted(status, started);
        var tasks = new TaskCounts
        {
            Total = copies.Pending + copies.Running + copies.Done + copies.Failed + deletes.Pending + deletes.Running + deletes.Done + deletes.Failed,
            Pending = copies.Pending + deletes.Pending,
            Running = copies.Running + deletes.Running,
            Done = copies.Done + deletes.Done,
            Failed = copies.Failed + deletes.Failed,
        };
        SyncJobStatusBuilder.SetProgress(status, SyncJobPhase.Running, tasks, sum.ToProgress(), new WorkerCounts { Desired = workers, Active = 0 });
        if (outcome.Succeeded)
        {
            SyncJobStatusBuilder.SetSucceeded(status, generation, time);
        }
        else
        {
            SyncJobStatusBuilder.SetFailed(status, SyncJobStatusBuilder.FailureReason(outcome.Failure ?? RunFailureKind.ObjectsFailed), outcome.Reason ?? "the run failed", generation, time);
        }

        return status;
    }

    /// <summary>The status as indented JSON.</summary>
    internal static string ToJson(SyncJobStatus status) =>
        JsonNode.Parse(JsonSerializer.Serialize(status, ApiJsonContext.Default.SyncJobStatus))!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private void AddSide(Dictionary<string, string> env, Endpoint endpoint, bool destination, IReadOnlyDictionary<string, string> volumes)
    {
        string prefix = RunnerContract.Side(destination);
        string where = destination ? "spec.destination" : "spec.source";
        if (endpoint.S3 is { CredentialsSecretRef: { } s3Ref })
        {
            V1Secret secret = SecretOf(s3Ref.Name, where + ".s3.credentialsSecretRef");
            env[prefix + RunnerContract.AccessKeyId] = Key(secret, s3Ref.AccessKeyIdKey ?? S3CredentialsSecretRef.DefaultAccessKeyIdKey, required: true)!;
            env[prefix + RunnerContract.SecretAccessKey] = Key(secret, s3Ref.SecretAccessKeyKey ?? S3CredentialsSecretRef.DefaultSecretAccessKeyKey, required: true)!;
            if (Key(secret, s3Ref.SessionTokenKey ?? S3CredentialsSecretRef.DefaultSessionTokenKey, required: false) is { } token)
            {
                env[prefix + RunnerContract.SessionToken] = token;
            }
        }
        else if (endpoint.Volume is { } volume)
        {
            env[prefix + RunnerContract.Root] = volumes.TryGetValue(volume.ClaimName, out string? dir)
                ? Path.GetFullPath(dir)
                : throw new ConfigurationException($"{where}.volume.claimName {volume.ClaimName}: give its directory with --volume {volume.ClaimName}=DIR");
        }
        else if (endpoint.Sftp is { } sftp)
        {
            SftpCredentialsSecretRef reference = sftp.CredentialsSecretRef;
            V1Secret secret = SecretOf(reference.Name, where + ".sftp.credentialsSecretRef");
            string dir = Directory.CreateTempSubdirectory("ferry-sftp-").FullName;
            _temporaryDirectories.Add(dir);
            WritePrivate(Path.Combine(dir, RunnerContract.PrivateKeyFile), Key(secret, reference.PrivateKeyKey ?? SftpCredentialsSecretRef.DefaultPrivateKeyKey, required: false));
            WritePrivate(Path.Combine(dir, RunnerContract.KnownHostsFile), Key(secret, reference.KnownHostsKey ?? SftpCredentialsSecretRef.DefaultKnownHostsKey, required: false));
            env[prefix + RunnerContract.SftpSecretDir] = dir;
            if (Key(secret, reference.PasswordKey ?? SftpCredentialsSecretRef.DefaultPasswordKey, required: false) is { } password)
            {
                env[prefix + RunnerContract.SftpPassword] = password;
            }
        }
    }

    private V1Secret SecretOf(string name, string where) =>
        Secrets.TryGetValue(name, out V1Secret? secret)
            ? secret
            : throw new ConfigurationException($"Secret {name} (referenced by {where}) is not in the given files: add it with another -f");

    private static string? Key(V1Secret secret, string key, bool required)
    {
        if (secret.StringData.GetOrNull(key) is { } text)
        {
            return text;
        }

        if (secret.Data.GetOrNull(key) is { } bytes)
        {
            return Encoding.UTF8.GetString(bytes);
        }

        return required ? throw new ConfigurationException($"Secret {secret.Metadata.Name} has no key {key}") : null;
    }

    private static void WritePrivate(string path, string? content)
    {
        if (content is null)
        {
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(content));
    }
}
