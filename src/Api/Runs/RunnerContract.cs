namespace Ferry.Api.Runs;

/// <summary>What the operator puts into a runner pod and what <c>ferry worker</c> reads from it: arguments,
/// environment variable names and mount paths. Credentials come only through Secret references (env
/// <c>secretKeyRef</c> or a Secret volume), never through arguments.</summary>
/// <remarks>
/// <para>Container <see cref="ContainerName"/> runs the image's <c>ferry</c> with arguments
/// <c>worker --namespace NS --syncjob NAME --run UID --lease-duration SECONDS</c>. The worker reads the SyncJob's spec
/// from the API server (in-cluster configuration: the service account's token and <c>ca.crt</c>, <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c>) and the
/// run's Leases; it exits 0 once the queue is finished, whatever the outcome (the outcome is in the scan Lease), and
/// non-zero only when it could not take part (then the Job replaces the pod, within <c>backoffLimit</c>).</para>
/// <para>For each side, <c>SIDE</c> being <c>SOURCE</c> or <c>DESTINATION</c> (<see cref="Side"/>): S3 credentials in
/// <c>FERRY_SIDE_ACCESS_KEY_ID</c>, <c>FERRY_SIDE_SECRET_ACCESS_KEY</c> and optionally <c>FERRY_SIDE_SESSION_TOKEN</c>
/// (no credentialsSecretRef: the AWS default chain); a <c>volume</c> PVC mounted at <c>/data/source</c> or
/// <c>/data/destination</c>, its path given in <c>FERRY_SIDE_ROOT</c>; SFTP Secret mounted (mode 0400) at
/// <c>/etc/ferry/source</c> or <c>/etc/ferry/destination</c> with files <c>privateKey</c> and <c>knownHosts</c> as
/// present, that directory given in <c>FERRY_SIDE_SFTP_SECRET_DIR</c>, and a password in
/// <c>FERRY_SIDE_SFTP_PASSWORD</c>. Mount paths are passed through environment variables so that a kubelet that
/// maps them elsewhere (the simulator's process kubelet) can rewrite them.</para>
/// </remarks>
public static class RunnerContract
{
    /// <summary>The runner container's name.</summary>
    public const string ContainerName = "runner";

    /// <summary>The first argument: the worker subcommand.</summary>
    public const string WorkerCommand = "worker";

    /// <summary>The default lease duration of task and scan Leases, in seconds; holders renew every third of it.</summary>
    public const int DefaultLeaseDurationSeconds = 15;

    /// <summary>The pod's name (downward API <c>metadata.name</c>), used as the worker's <c>holderIdentity</c>.</summary>
    public const string PodNameVariable = "FERRY_POD_NAME";

    /// <summary>The environment variable prefix of a side: <c>FERRY_SOURCE_</c> or <c>FERRY_DESTINATION_</c>.</summary>
    /// <param name="destination">Whether the side is the destination.</param>
    /// <returns>The prefix.</returns>
    public static string Side(bool destination) => destination ? "FERRY_DESTINATION_" : "FERRY_SOURCE_";

    /// <summary>S3 access key id variable suffix.</summary>
    public const string AccessKeyId = "ACCESS_KEY_ID";

    /// <summary>S3 secret access key variable suffix.</summary>
    public const string SecretAccessKey = "SECRET_ACCESS_KEY";

    /// <summary>S3 session token variable suffix (optional key).</summary>
    public const string SessionToken = "SESSION_TOKEN";

    /// <summary>Volume root variable suffix: the mount path of the side's PVC.</summary>
    public const string Root = "ROOT";

    /// <summary>SFTP Secret directory variable suffix.</summary>
    public const string SftpSecretDir = "SFTP_SECRET_DIR";

    /// <summary>SFTP password variable suffix.</summary>
    public const string SftpPassword = "SFTP_PASSWORD";

    /// <summary>The file name of the private key in the SFTP Secret directory.</summary>
    public const string PrivateKeyFile = "privateKey";

    /// <summary>The file name of the known_hosts lines in the SFTP Secret directory.</summary>
    public const string KnownHostsFile = "knownHosts";

    /// <summary>The mount path of a side's PVC.</summary>
    /// <param name="destination">Whether the side is the destination.</param>
    /// <returns><c>/data/source</c> or <c>/data/destination</c>.</returns>
    public static string VolumeMountPath(bool destination) => destination ? "/data/destination" : "/data/source";

    /// <summary>The mount path of a side's SFTP Secret.</summary>
    /// <param name="destination">Whether the side is the destination.</param>
    /// <returns><c>/etc/ferry/source</c> or <c>/etc/ferry/destination</c>.</returns>
    public static string SftpSecretMountPath(bool destination) => destination ? "/etc/ferry/destination" : "/etc/ferry/source";
}
