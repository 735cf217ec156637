using Ferry.Api.Runs;

namespace Ferry.Operator.Controllers;

/// <summary>Settings of <c>ferry-operator</c>, from its command line and environment.</summary>
/// <remarks>Defaults follow controller-runtime's manager where one exists (leader election on, a Lease in the
/// operator's namespace, health on one port).</remarks>
public sealed class OperatorOptions
{
    /// <summary>The kubeconfig file to use (<c>--kubeconfig</c>).</summary>
    /// <value>Default <see langword="null"/>: in-cluster configuration when running in a pod, else <c>$KUBECONFIG</c>
    /// or <c>~/.kube/config</c>.</value>
    public string? Kubeconfig { get; set; }

    /// <summary>The only namespace whose SyncJobs are reconciled (<c>--namespace</c>, <c>FERRY_OPERATOR_NAMESPACE</c>).</summary>
    /// <value>Default <see langword="null"/>: all namespaces.</value>
    public string? Namespace { get; set; }

    /// <summary>The TCP port of <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> (<c>--port</c>,
    /// <c>FERRY_OPERATOR_PORT</c>); 0 picks a free port.</summary>
    /// <value>Default 8080.</value>
    public int Port { get; set; } = 8080;

    /// <summary>The runner image of SyncJobs that do not set <c>spec.runner.image</c> (<c>--runner-image</c>,
    /// <c>FERRY_RUNNER_IMAGE</c>).</summary>
    /// <value>Default <c>ghcr.io/ferry-io/ferry:latest</c>.</value>
    public string RunnerImage { get; set; } = "ghcr.io/ferry-io/ferry:latest";

    /// <summary>The ServiceAccount of runner pods whose SyncJob does not set <c>spec.runner.serviceAccountName</c>
    /// (<c>--runner-service-account</c>).</summary>
    /// <value>Default <see langword="null"/>: the namespace's <c>default</c> ServiceAccount.</value>
    public string? RunnerServiceAccountName { get; set; }

    /// <summary>The duration of task and scan Leases in seconds, passed to workers as <c>--lease-duration</c>
    /// (<c>--lease-duration</c>).</summary>
    /// <value>Default <see cref="RunnerContract.DefaultLeaseDurationSeconds"/> (15).</value>
    public int LeaseDurationSeconds { get; set; } = RunnerContract.DefaultLeaseDurationSeconds;

    /// <summary>The least time between two status writes of one SyncJob; changes in between are coalesced
    /// (<c>--status-interval</c>, seconds). Terminal transitions are written at once.</summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan StatusWriteInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How soon a SyncJob whose spec is invalid (a missing Secret, ConfigMap or claim) is checked again
    /// (<c>--spec-recheck-interval</c>, seconds).</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan SpecRecheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest time between two reconciles of an unfinished SyncJob, so time-based decisions (lease
    /// expiry, <c>activeDeadlineSeconds</c>, <c>ttlSecondsAfterFinished</c>) are taken without an event
    /// (<c>--resync-interval</c>, seconds).</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Concurrent reconciles (<c>--concurrency</c>).</summary>
    /// <value>Default 4.</value>
    public int Concurrency { get; set; } = 4;

    /// <summary>Whether only the holder of the leader-election Lease reconciles (<c>--leader-elect</c>).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool LeaderElection { get; set; } = true;

    /// <summary>The name of the leader-election Lease (<c>--leader-election-name</c>).</summary>
    /// <value>Default <c>ferry-operator</c>.</value>
    public string LeaderElectionLeaseName { get; set; } = "ferry-operator";

    /// <summary>The namespace of the leader-election Lease (<c>--leader-election-namespace</c>).</summary>
    /// <value>Default <see langword="null"/>: the operator's own namespace (the pod's, or the kubeconfig context's).</value>
    public string? LeaderElectionNamespace { get; set; }

    /// <summary>How long a leader-election Lease stays valid without renewal (<c>--leader-election-lease-duration</c>,
    /// seconds); the leader renews every <c>duration / 7.5</c> and gives up after <c>2/3</c> of it without a renewal
    /// (client-go's 15 s / 10 s / 2 s in the same proportions). A standby takes over that long after a leader died.</summary>
    /// <value>Default 15 seconds.</value>
    public TimeSpan LeaderElectionLeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The log format: <c>json</c> (one JSON object per line) or <c>text</c> (<c>--log-format</c>).</summary>
    /// <value>Default <c>json</c>.</value>
    public string LogFormat { get; set; } = "json";
}
