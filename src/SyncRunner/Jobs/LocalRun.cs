using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api.Endpoints;
using Ferry.Api.Runs;
using Ferry.Api.Schema;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Serialization;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using k8s;
using k8s.Models;
using EngineOptions = Ferry.SyncRunner.Planning.SyncOptions;

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
    /// <exception cref="ArgumentException">No SyncJob, several, or a document of another kind.</exception>
    /// <exception cref="ManifestException">A document is malformed.</exception>
    public static LocalRun Read(IEnumerable<(string Name, string Text)> files)
    {
        LocalManifests manifests = LocalManifests.Read(files);
        return manifests.Resource as SyncJob is { } job
            ? For(job, manifests)
            : throw new ArgumentException($"the given files hold a {manifests.Resource.Kind}, not a SyncJob");
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
    /// <exception cref="ArgumentException">A referenced Secret, Secret key or volume mapping is missing.</exception>
    public Dictionary<string, string> Environment(IReadOnlyDictionary<string, string> volumes)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        AddSide(env, Job.Spec.Source, false, volumes);
        AddSide(env, Job.Spec.Destination, true, volumes);
        return env;
    }

    /// <summary>The <c>filesFrom</c> list from the manifests' ConfigMap, or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentException">The ConfigMap or its key is missing.</exception>
    public IReadOnlyList<string>? FilesFrom()
    {
        if (Job.Spec.FilesFrom is not { } selector)
        {
            return null;
        }

        return ConfigMaps.TryGetValue(selector.Name, out V1ConfigMap? map) && map.Data.GetOrNull(selector.Key) is { } text
            ? Cli.WorkerCommand.FileList(text)
            : throw new ArgumentException($"ConfigMap {selector.Name} with key {selector.Key} (spec.filesFrom) is not in the given files");
    }

    /// <summary>Runs the SyncJob with <paramref name="workers"/> engines on one in-process queue.</summary>
    /// <returns>The status the operator would write.</returns>
    public async Task<SyncJobStatus> RunAsync(int workers, IReadOnlyDictionary<string, string> environment, Action<string>? onError, TimeProvider time, CancellationToken cancellationToken)
    {
        EngineOptions options = SyncJobTranslator.ToOptions(Job.Spec, FilesFrom());
        string? Env(string name) => environment.GetValueOrDefault(name);
        var queue = new InProcessWorkQueue();
        DateTimeOffset started = time.GetUtcNow();
        var storages = new List<IObjectStorage>();
        try
        {
            var runs = new List<Task<SyncResult>>();
            for (int i = 0; i < workers; i++)
            {
                IObjectStorage source = SyncJobTranslator.CreateStorage(Job.Spec.Source, false, Env);
                storages.Add(source);
                IObjectStorage destination = SyncJobTranslator.CreateStorage(Job.Spec.Destination, true, Env);
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
        QueueOutcome outcome = await queue.GetOutcomeAsync(cancellationToken).ConfigureAwait(false) ?? new QueueOutcome(false, "no outcome was recorded", SyncJobConditionReasons.ObjectsFailed);
        return Status(Job, workers, copies, deletes, outcome, started, time.GetUtcNow());
    }

    /// <summary>The status of a finished run as the operator writes it.</summary>
    internal static SyncJobStatus Status(SyncJob job, int workers, QueueStatus copies, QueueStatus deletes, QueueOutcome outcome, DateTimeOffset started, DateTimeOffset finished)
    {
        TaskCounters sum = copies.Counters.Clone();
        sum.Add(deletes.Counters);
        long generation = job.Metadata.Generation ?? 1;
        V1Condition Make(string type, bool on, string reason, string message) => new()
        {
            Type = type,
            Status = on ? "True" : "False",
            ObservedGeneration = generation,
            LastTransitionTime = finished.UtcDateTime,
            Reason = reason,
            Message = message,
        };

        string reason = outcome.Succeeded ? SyncJobConditionReasons.Succeeded : outcome.Condition ?? SyncJobConditionReasons.ObjectsFailed;
        string message = outcome.Succeeded ? $"{sum.Copied} object(s) copied, {sum.Skipped} up to date, {sum.Deleted} deleted" : outcome.Reason ?? "the run failed";
        return new SyncJobStatus
        {
            Phase = outcome.Succeeded ? SyncJobPhase.Succeeded : SyncJobPhase.Failed,
            ObservedGeneration = generation,
            StartTime = started,
            CompletionTime = finished,
            Conditions =
            [
                Make(SyncJobConditionTypes.SpecValid, true, SyncJobConditionReasons.Valid, "the spec is valid"),
                Make(SyncJobConditionTypes.Progressing, false, reason, message),
                Make(SyncJobConditionTypes.Complete, outcome.Succeeded, reason, message),
                Make(SyncJobConditionTypes.Failed, !outcome.Succeeded, reason, message),
            ],
            Workers = new WorkerCounts { Desired = workers, Active = 0 },
            Tasks = new TaskCounts
            {
                Total = copies.Pending + copies.Running + copies.Done + copies.Failed + deletes.Pending + deletes.Running + deletes.Done + deletes.Failed,
                Pending = copies.Pending + deletes.Pending,
                Running = copies.Running + deletes.Running,
                Done = copies.Done + deletes.Done,
                Failed = copies.Failed + deletes.Failed,
            },
            Progress = sum.ToProgress(),
            LastError = outcome.Succeeded ? null : outcome.Reason,
        };
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
            env[prefix + RunnerContract.AccessKeyId] = Key(secret, s3Ref.AccessKeyIdKey ?? "accessKeyId", required: true)!;
            env[prefix + RunnerContract.SecretAccessKey] = Key(secret, s3Ref.SecretAccessKeyKey ?? "secretAccessKey", required: true)!;
            if (Key(secret, s3Ref.SessionTokenKey ?? "sessionToken", required: false) is { } token)
            {
                env[prefix + RunnerContract.SessionToken] = token;
            }
        }
        else if (endpoint.Volume is { } volume)
        {
            env[prefix + RunnerContract.Root] = volumes.TryGetValue(volume.ClaimName, out string? dir)
                ? Path.GetFullPath(dir)
                : throw new ArgumentException($"{where}.volume.claimName {volume.ClaimName}: give its directory with --volume {volume.ClaimName}=DIR");
        }
        else if (endpoint.Sftp is { } sftp)
        {
            SftpCredentialsSecretRef reference = sftp.CredentialsSecretRef;
            V1Secret secret = SecretOf(reference.Name, where + ".sftp.credentialsSecretRef");
            string dir = Directory.CreateTempSubdirectory("ferry-sftp-").FullName;
            _temporaryDirectories.Add(dir);
            WritePrivate(Path.Combine(dir, RunnerContract.PrivateKeyFile), Key(secret, reference.PrivateKeyKey ?? "privateKey", required: false));
            WritePrivate(Path.Combine(dir, RunnerContract.KnownHostsFile), Key(secret, reference.KnownHostsKey ?? "knownHosts", required: false));
            env[prefix + RunnerContract.SftpSecretDir] = dir;
            if (Key(secret, reference.PasswordKey ?? "password", required: false) is { } password)
            {
                env[prefix + RunnerContract.SftpPassword] = password;
            }
        }
    }

    private V1Secret SecretOf(string name, string where) =>
        Secrets.TryGetValue(name, out V1Secret? secret)
            ? secret
            : throw new ArgumentException($"Secret {name} (referenced by {where}) is not in the given files: add it with another -f");

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

        return required ? throw new ArgumentException($"Secret {secret.Metadata.Name} has no key {key}") : null;
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
