using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Ferry.Kube.Config;

/// <summary>Reads kubeconfig files the way kubectl does and resolves one context into a
/// <see cref="KubernetesClientConfiguration"/>.</summary>
/// <remarks>
/// Merging follows kubectl's rules ("Organizing Cluster Access Using kubeconfig Files"): files are read in order,
/// missing files are ignored, the first file to set <c>current-context</c> wins, and the first file to define a
/// cluster, user or context name wins (later definitions of the same name are ignored, not merged). Relative file
/// paths inside a kubeconfig are relative to that file's directory. Supported credentials: <c>token</c>,
/// <c>tokenFile</c> (re-read every minute; it takes precedence over <c>token</c>, as in client-go), client certificate
/// and key (data or file), username/password. <c>exec</c> and <c>auth-provider</c> plugins are not supported.
/// </remarks>
public static class KubeConfigLoader
{
    /// <summary>Loads the configuration of a context.</summary>
    /// <param name="options">Files, context and clock; <see langword="null"/> for the defaults.</param>
    /// <returns>The resolved configuration.</returns>
    /// <exception cref="KubeConfigException">No kubeconfig file exists, the context, cluster or user is missing, a
    /// referenced file cannot be read, or the credentials are unsupported.</exception>
    public static KubernetesClientConfiguration Load(KubeConfigOptions? options = null)
    {
        options ??= new KubeConfigOptions();
        var paths = options.Paths ?? DefaultPaths();
        var files = new List<(string Directory, KubeConfigFile File)>();
        foreach (var path in paths.Where(p => !string.IsNullOrWhiteSpace(p)).Distinct(StringComparer.Ordinal))
        {
            if (!File.Exists(path))
            {
                continue;
            }

            files.Add((System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, Parse(path)));
        }

        if (files.Count == 0)
        {
            throw new KubeConfigException($"No kubeconfig file found (looked at: {string.Join(", ", paths)}).");
        }

        var contextName = options.Context
            ?? files.Select(f => f.File.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c))
            ?? throw new KubeConfigException("The kubeconfig sets no current-context and none was given.");

        var context = First(files, f => f.Contexts, c => c.Name, contextName, c => c.Context)
            ?? throw new KubeConfigException($"Context \"{contextName}\" is not defined in the kubeconfig.");
        var (clusterDir, cluster) = First(files, f => f.Clusters, c => c.Name, context.Entry.Cluster, c => c.Cluster)
            ?? throw new KubeConfigException($"Cluster \"{context.Entry.Cluster}\" of context \"{contextName}\" is not defined.");
        (string Dir, UserEntry Entry)? user = string.IsNullOrEmpty(context.Entry.User)
            ? null
            : First(files, f => f.Users, u => u.Name, context.Entry.User, u => u.User)
                ?? throw new KubeConfigException($"User \"{context.Entry.User}\" of context \"{contextName}\" is not defined.");

        if (string.IsNullOrEmpty(cluster.Server) || !Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server))
        {
            throw new KubeConfigException($"Cluster \"{context.Entry.Cluster}\" has no valid server URL.");
        }

        X509Certificate2Collection? cas = null;
        if (!string.IsNullOrEmpty(cluster.CertificateAuthorityData))
        {
            cas = LoadCertificates(DecodeBase64(cluster.CertificateAuthorityData, "certificate-authority-data"), "certificate-authority-data");
        }
        else if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            cas = LoadCertificates(ReadFile(Resolve(clusterDir, cluster.CertificateAuthority), "certificate-authority"), "certificate-authority");
        }

        X509Certificate2? clientCertificate = null;
        ITokenSource? token = null;
        string? username = null, password = null;
        if (user is { } u)
        {
            var e = u.Entry;
            if (e.Exec is not null || e.AuthProvider is not null)
            {
                if (e.Token is null && e.TokenFile is null && e.ClientCertificate is null && e.ClientCertificateData is null)
                {
                    throw new KubeConfigException($"User \"{context.Entry.User}\" uses an exec or auth-provider plugin, which Ferry does not support.");
                }
            }

            var certPem = !string.IsNullOrEmpty(e.ClientCertificateData)
                ? DecodeBase64(e.ClientCertificateData, "client-certificate-data")
                : !string.IsNullOrEmpty(e.ClientCertificate) ? ReadFile(Resolve(u.Dir, e.ClientCertificate), "client-certificate") : null;
            var keyPem = !string.IsNullOrEmpty(e.ClientKeyData)
                ? DecodeBase64(e.ClientKeyData, "client-key-data")
                : !string.IsNullOrEmpty(e.ClientKey) ? ReadFile(Resolve(u.Dir, e.ClientKey), "client-key") : null;
            if (certPem is not null || keyPem is not null)
            {
                if (certPem is null || keyPem is null)
                {
                    throw new KubeConfigException($"User \"{context.Entry.User}\" has a client certificate without a key or a key without a certificate.");
                }

                try
                {
                    clientCertificate = X509Certificate2.CreateFromPem(certPem, keyPem);
                }
                catch (CryptographicException ex)
                {
                    throw new KubeConfigException($"The client certificate or key of user \"{context.Entry.User}\" is not valid PEM.", ex);
                }
            }

            if (!string.IsNullOrEmpty(e.TokenFile))
            {
                token = new FileTokenSource(Resolve(u.Dir, e.TokenFile), timeProvider: options.TimeProvider);
            }
            else if (!string.IsNullOrEmpty(e.Token))
            {
                token = new StaticTokenSource(e.Token);
            }

            username = e.Username;
            password = e.Password;
        }

        return new KubernetesClientConfiguration
        {
            Server = server,
            Namespace = string.IsNullOrEmpty(context.Entry.Namespace) ? "default" : context.Entry.Namespace,
            CertificateAuthorities = cas,
            ClientCertificate = clientCertificate,
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = string.IsNullOrEmpty(cluster.TlsServerName) ? null : cluster.TlsServerName,
            Token = token,
            Username = username,
            Password = password,
        };
    }

    /// <summary>The kubeconfig paths kubectl would read: <c>$KUBECONFIG</c> split on <see cref="Path.PathSeparator"/>, else <c>~/.kube/config</c>.</summary>
    /// <returns>The paths, in merge order.</returns>
    public static IReadOnlyList<string> DefaultPaths() =>
        DefaultPaths(
            Environment.GetEnvironmentVariable("KUBECONFIG"),
            Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static IReadOnlyList<string> DefaultPaths(string? kubeconfigVariable, string home) =>
        string.IsNullOrWhiteSpace(kubeconfigVariable)
            ? [System.IO.Path.Combine(home, ".kube", "config")]
            : kubeconfigVariable.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static KubeConfigFile Parse(string path)
    {
        try
        {
            var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
            return deserializer.Deserialize<KubeConfigFile?>(File.ReadAllText(path)) ?? new KubeConfigFile();
        }
        catch (YamlException ex)
        {
            throw new KubeConfigException($"The kubeconfig {path} is not valid YAML (line {ex.Start.Line}).", ex);
        }
        catch (IOException ex)
        {
            throw new KubeConfigException($"The kubeconfig {path} cannot be read.", ex);
        }
    }

    private static (string Dir, TEntry Entry)? First<TNamed, TEntry>(
        List<(string Directory, KubeConfigFile File)> files,
        Func<KubeConfigFile, List<TNamed>?> list,
        Func<TNamed, string?> name,
        string? wanted,
        Func<TNamed, TEntry?> entry)
        where TEntry : class
    {
        if (string.IsNullOrEmpty(wanted))
        {
            return null;
        }

        foreach (var (dir, file) in files)
        {
            foreach (var item in list(file) ?? [])
            {
                if (name(item) == wanted && entry(item) is { } found)
                {
                    return (dir, found);
                }
            }
        }

        return null;
    }

    private static string Resolve(string directory, string path) =>
        System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, path));

    private static string ReadFile(string path, string field)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"The {field} file {path} cannot be read.", ex);
        }
    }

    private static string DecodeBase64(string data, string field)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data.Trim()));
        }
        catch (FormatException ex)
        {
            throw new KubeConfigException($"The kubeconfig field {field} is not valid base64.", ex);
        }
    }

    internal static X509Certificate2Collection LoadCertificates(string pem, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new KubeConfigException($"The {what} is not a valid PEM certificate.", ex);
        }

        if (collection.Count == 0)
        {
            throw new KubeConfigException($"The {what} contains no PEM certificate.");
        }

        return collection;
    }
}
