using Ferry.Api.Endpoints;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using k8s.Models;

namespace Ferry.Operator.SyncJobs;

/// <summary>Checks what the API server's schema cannot: that the Secrets, ConfigMap and PersistentVolumeClaims a
/// SyncJob refers to exist (in its namespace) and hold the keys the runner needs.</summary>
/// <remarks>Runs before the runner Job is created, so an invalid spec never starts a pod. Only key names are
/// kept from Secrets; values are never logged or reported.</remarks>
/// <param name="client">The API client (get on secrets, configmaps and persistentvolumeclaims).</param>
internal sealed class SpecValidator(IKubernetesClient client)
{
    /// <summary>Validates a SyncJob's references.</summary>
    /// <param name="syncJob">The SyncJob (namespace and spec).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The outcome; invalid specs name the first missing object or key.</returns>
    /// <exception cref="Kube.Errors.KubernetesException">A read failed for another reason than 404.</exception>
    public async Task<SpecValidation> ValidateAsync(SyncJob syncJob, CancellationToken cancellationToken)
    {
        var spec = syncJob.Spec;
        foreach (var (side, endpoint) in new[] { ("source", spec.Source), ("destination", spec.Destination) })
        {
            if (ShapeError(endpoint, $"spec.{side}") is { } shape)
            {
                return Invalid(SyncJobConditionReasons.InvalidSpec, shape);
            }
        }

        if (SameLocation(spec.Source, spec.Destination))
        {
            return Invalid(SyncJobConditionReasons.InvalidSpec, "spec.source and spec.destination are the same location");
        }

        return await ValidateReferencesAsync(syncJob.Metadata.NamespaceProperty ?? "default", [("spec.source", spec.Source), ("spec.destination", spec.Destination)], spec.FilesFrom, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Checks that every Secret, PersistentVolumeClaim and ConfigMap the endpoints and
    /// <paramref name="filesFrom"/> refer to exists in <paramref name="namespace"/> with the keys the runner needs.</summary>
    /// <param name="namespace">The namespace of the custom resource.</param>
    /// <param name="endpoints">Each endpoint with its field path for messages, e.g. <c>spec.destinations[eu-west]</c>.</param>
    /// <param name="filesFrom">The <c>filesFrom</c> selector, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The outcome; an invalid one names the first missing object or key and its field.</returns>
    /// <exception cref="Kube.Errors.KubernetesException">A read failed for another reason than 404.</exception>
    public async Task<SpecValidation> ValidateReferencesAsync(string @namespace, IEnumerable<(string Field, Endpoint Endpoint)> endpoints, V1ConfigMapKeySelector? filesFrom, CancellationToken cancellationToken)
    {
        var ns = @namespace;
        var secretKeys = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var (side, endpoint) in endpoints)
        {
            if (endpoint.S3?.CredentialsSecretRef is { } s3Ref)
            {
                var keys = await SecretKeysAsync(ns, s3Ref.Name, secretKeys, cancellationToken).ConfigureAwait(false);
                var field = $"{side}.s3.credentialsSecretRef";
                if (keys is null)
                {
                    return Invalid(SyncJobConditionReasons.SecretNotFound, $"Secret \"{s3Ref.Name}\" ({field}) not found in namespace \"{ns}\"");
                }

                foreach (var (key, name) in new[] { (s3Ref.AccessKeyIdKey ?? S3CredentialsSecretRef.DefaultAccessKeyIdKey, "accessKeyIdKey"), (s3Ref.SecretAccessKeyKey ?? S3CredentialsSecretRef.DefaultSecretAccessKeyKey, "secretAccessKeyKey") })
                {
                    if (!keys.Contains(key))
                    {
                        return Invalid(SyncJobConditionReasons.SecretNotFound, $"Secret \"{s3Ref.Name}\" has no key \"{key}\" ({field}.{name})");
                    }
                }
            }
            else if (endpoint.Sftp is { } sftp)
            {
                var sftpRef = sftp.CredentialsSecretRef;
                var field = $"{side}.sftp.credentialsSecretRef";
                var keys = await SecretKeysAsync(ns, sftpRef.Name, secretKeys, cancellationToken).ConfigureAwait(false);
                if (keys is null)
                {
                    return Invalid(SyncJobConditionReasons.SecretNotFound, $"Secret \"{sftpRef.Name}\" ({field}) not found in namespace \"{ns}\"");
                }

                var knownHosts = sftpRef.KnownHostsKey ?? SftpCredentialsSecretRef.DefaultKnownHostsKey;
                if (!keys.Contains(knownHosts))
                {
                    return Invalid(SyncJobConditionReasons.SecretNotFound, $"Secret \"{sftpRef.Name}\" has no key \"{knownHosts}\" ({field}.knownHostsKey); host keys are always verified");
                }

                var privateKey = sftpRef.PrivateKeyKey ?? SftpCredentialsSecretRef.DefaultPrivateKeyKey;
                var password = sftpRef.PasswordKey ?? SftpCredentialsSecretRef.DefaultPasswordKey;
                if (!keys.Contains(privateKey) && !keys.Contains(password))
                {
                    return Invalid(SyncJobConditionReasons.SecretNotFound, $"Secret \"{sftpRef.Name}\" has neither key \"{privateKey}\" nor key \"{password}\" ({field})");
                }
            }
            else if (endpoint.Volume is { } volume)
            {
                var claim = await client.TryGetAsync(KubeResources.PersistentVolumeClaims, ns, volume.ClaimName, cancellationToken).ConfigureAwait(false);
                if (claim is null)
                {
                    return Invalid(SyncJobConditionReasons.ClaimNotFound, $"PersistentVolumeClaim \"{volume.ClaimName}\" ({side}.volume.claimName) not found in namespace \"{ns}\"");
                }
            }
        }

        if (filesFrom is not null)
        {
            var configMap = await client.TryGetAsync(KubeResources.ConfigMaps, ns, filesFrom.Name, cancellationToken).ConfigureAwait(false);
            if (configMap is null)
            {
                return Invalid(SyncJobConditionReasons.ConfigMapNotFound, $"ConfigMap \"{filesFrom.Name}\" (spec.filesFrom) not found in namespace \"{ns}\"");
            }

            if (configMap.Data?.ContainsKey(filesFrom.Key) != true && configMap.BinaryData?.ContainsKey(filesFrom.Key) != true)
            {
                return Invalid(SyncJobConditionReasons.ConfigMapNotFound, $"ConfigMap \"{filesFrom.Name}\" has no key \"{filesFrom.Key}\" (spec.filesFrom.key)");
            }
        }

        return new SpecValidation(true, SyncJobConditionReasons.Valid, "every referenced Secret, ConfigMap and PersistentVolumeClaim exists", secretKeys);
    }

    /// <summary>Checks that an endpoint sets exactly one of <c>s3</c>, <c>volume</c> and <c>sftp</c>.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="field">Its field path for the message.</param>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    public static string? ShapeError(Endpoint endpoint, string field)
    {
        var count = (endpoint.S3 is null ? 0 : 1) + (endpoint.Volume is null ? 0 : 1) + (endpoint.Sftp is null ? 0 : 1);
        return count == 1 ? null : $"{field} must set exactly one of s3, volume and sftp";
    }

    private async Task<IReadOnlySet<string>?> SecretKeysAsync(string ns, string name, Dictionary<string, IReadOnlySet<string>> seen, CancellationToken cancellationToken)
    {
        if (seen.TryGetValue(name, out var known))
        {
            return known;
        }

        var secret = await client.TryGetAsync(KubeResources.Secrets, ns, name, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return null;
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        keys.UnionWith(secret.Data?.Keys ?? Enumerable.Empty<string>());
        keys.UnionWith(secret.StringData?.Keys ?? Enumerable.Empty<string>());
        seen[name] = keys;
        return keys;
    }

    /// <summary>Whether two endpoints name the same place (same claim and path, bucket, endpoint and prefix, or SFTP
    /// host, port and path).</summary>
    /// <param name="a">One endpoint.</param>
    /// <param name="b">The other.</param>
    /// <returns><see langword="true"/> if a sync between them would read and write the same keys.</returns>
    public static bool SameLocation(Endpoint a, Endpoint b) =>
        (a.Volume, b.Volume) is ({ } va, { } vb)
            ? va.ClaimName == vb.ClaimName && Normalize(va.Path) == Normalize(vb.Path)
            : (a.S3, b.S3) is ({ } sa, { } sb)
                ? sa.Bucket == sb.Bucket && (sa.Endpoint ?? "") == (sb.Endpoint ?? "") && (sa.Prefix ?? "") == (sb.Prefix ?? "")
                : (a.Sftp, b.Sftp) is ({ } fa, { } fb)
                  && fa.Host == fb.Host && (fa.Port ?? SftpEndpoint.DefaultPort) == (fb.Port ?? SftpEndpoint.DefaultPort) && Normalize(fa.Path) == Normalize(fb.Path);

    private static string Normalize(string? path) => (path ?? "").Trim('/');

    private static SpecValidation Invalid(string reason, string message) =>
        new(false, reason, message, new Dictionary<string, IReadOnlySet<string>>());
}
