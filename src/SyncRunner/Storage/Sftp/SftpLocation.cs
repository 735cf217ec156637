using System.Text;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// Where an SFTP storage lives and how to log in: parsed from <c>sftp://[user[:password]@]host[:port]/path</c>
/// or juicefs's <c>[user@]host:path</c> / <c>"user:password"@host:path</c> (optionally <c>host:port:path</c>),
/// both with optional query overrides <c>?identity=FILE&amp;known-hosts=FILE</c>.
/// </summary>
/// <param name="Host">Host name or address (IPv6 without brackets).</param>
/// <param name="Port">TCP port, or <see langword="null"/> for ssh's default (ssh_config, else 22).</param>
/// <param name="User">Login name, or <see langword="null"/> for ssh's default (ssh_config, else the local user).</param>
/// <param name="Password">Password, supplied to ssh through <c>SSH_ASKPASS</c> only; never printed.</param>
/// <param name="Path">The root directory on the server: absolute (starts with <c>/</c>) or relative to the
/// login's home directory (empty for the home directory itself).</param>
/// <param name="IdentityFile">Private key file passed as <c>ssh -i</c>, or <see langword="null"/> for ssh's defaults and agent.</param>
/// <param name="KnownHostsFile">File passed as <c>UserKnownHostsFile</c>, or <see langword="null"/> for ssh's default.</param>
/// <remarks>
/// In the <c>sftp://</c> form the user, password and path are percent-decoded, and the path is absolute;
/// <c>sftp://host/~/dir</c> names <c>dir</c> under the home directory. The juicefs form is taken verbatim
/// ("Sync across servers" in the juicefs sync guide): <c>user@host:/backup/</c> is absolute,
/// <c>user@host:backup/</c> is relative to the home directory; quotes around <c>user:password</c> are removed.
/// A query is recognised in the juicefs form only when every parameter is one Ferry knows.
/// </remarks>
public sealed record SftpLocation(
    string Host,
    int? Port,
    string? User,
    string? Password,
    string Path,
    string? IdentityFile,
    string? KnownHostsFile)
{
    private const string Scheme = "sftp://";

    /// <summary>
    /// The location in <c>sftp://</c> form, with the password masked as <c>***</c> and without the query
    /// (so that a key prefix appended to it reads naturally).
    /// </summary>
    public string DisplayName
    {
        get
        {
            var sb = new StringBuilder(Scheme);
            if (User is not null)
            {
                sb.Append(Uri.EscapeDataString(User));
                if (Password is not null)
                {
                    sb.Append(":***");
                }

                sb.Append('@');
            }

            sb.Append(Host.Contains(':') ? $"[{Host}]" : Host);
            if (Port is { } port)
            {
                sb.Append(':').Append(port);
            }

            sb.Append(Path.StartsWith('/') ? Path : "/~/" + Path);
            return sb.ToString();
        }
    }

    /// <summary>Whether the path names a directory (ends in <c>/</c>, or is empty: the home directory) rather than a key prefix.</summary>
    public bool NamesDirectory => Path.Length == 0 || Path.EndsWith('/');

    /// <inheritdoc/>
    public override string ToString() => DisplayName;

    /// <summary>Parses either URL form without throwing.</summary>
    /// <param name="url">The location.</param>
    /// <param name="location">The parsed location, or <see langword="null"/>.</param>
    /// <returns>Whether <paramref name="url"/> is an SFTP location.</returns>
    public static bool TryParse(string url, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SftpLocation? location)
    {
        try
        {
            location = Parse(url);
            return true;
        }
        catch (FormatException)
        {
            location = null;
            return false;
        }
    }

    /// <summary>Whether <paramref name="url"/> looks like an SFTP location: <c>sftp://…</c>, or <c>user@host:path</c> with no scheme.</summary>
    /// <param name="url">A location as typed by a user.</param>
    /// <returns><see langword="true"/> when <see cref="Parse"/> should be used for it.</returns>
    public static bool IsSftp(string url) =>
        url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || TryParseScp(url, requireUser: true, out _);

    /// <summary>Parses either URL form.</summary>
    /// <param name="url">The location.</param>
    /// <returns>The parsed location.</returns>
    /// <exception cref="FormatException">The text is not an SFTP location; the message never repeats a password.</exception>
    public static SftpLocation Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return ParseUrl(url[Scheme.Length..]);
        }

        if (TryParseScp(url, requireUser: false, out SftpLocation? location))
        {
            return location;
        }

        throw new FormatException("Not an SFTP location: expected sftp://[user@]host[:port]/path or user@host:/path.");
    }

    private static SftpLocation ParseUrl(string rest)
    {
        string? query = null;
        int q = rest.IndexOf('?');
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        int slash = rest.IndexOf('/', Math.Max(0, rest.LastIndexOf('@')));
        string authority = slash >= 0 ? rest[..slash] : rest;
        string rawPath = slash >= 0 ? rest[slash..] : "";
        string? user = null, password = null;
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = authority[..at];
            authority = authority[(at + 1)..];
            int colon = userInfo.IndexOf(':');
            user = Uri.UnescapeDataString(colon >= 0 ? userInfo[..colon] : userInfo);
            password = colon >= 0 ? Uri.UnescapeDataString(userInfo[(colon + 1)..]) : null;
        }

        (string host, int? port) = ParseHostPort(authority);
        string path = Uri.UnescapeDataString(rawPath);
        if (path is "" or "/~" || path.StartsWith("/~/", StringComparison.Ordinal))
        {
            path = path.Length > 3 ? path[3..] : "";
        }

        (string? identity, string? knownHosts) = ParseQuery(query, strict: true)!.Value;
        return new SftpLocation(host, port, NullIfEmpty(user), password, path, identity, knownHosts);
    }

    private static bool TryParseScp(string url, bool requireUser, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SftpLocation? location)
    {
        location = null;
        if (url.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        string userInfo;
        string rest;
        if (url.StartsWith('"'))
        {
            int close = url.IndexOf("\"@", 1, StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            userInfo = url[1..close];
            rest = url[(close + 2)..];
        }
        else
        {
            int at = url.IndexOf('@');
            int colon = url.IndexOf(':');
            if (at > 0 && (colon < 0 || at < colon || url.IndexOf('@', colon) == at) && !(url.IndexOf('/') is int s && s >= 0 && s < at))
            {
                userInfo = url[..at];
                rest = url[(at + 1)..];
            }
            else if (!requireUser && at < 0)
            {
                userInfo = "";
                rest = url;
            }
            else
            {
                return false;
            }
        }

        string host;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            host = rest[1..close];
            rest = rest[(close + 1)..];
        }
        else
        {
            int colon = rest.IndexOf(':');
            if (colon <= 0)
            {
                return false;
            }

            host = rest[..colon];
            rest = rest[colon..];
        }

        if (!rest.StartsWith(':') || host.Length == 0 || host.AsSpan().IndexOfAny("/@ ") >= 0)
        {
            return false;
        }

        rest = rest[1..];
        int? port = null;
        int portEnd = rest.IndexOf(':');
        if (portEnd > 0 && rest[..portEnd].All(char.IsAsciiDigit))
        {
            port = int.Parse(rest[..portEnd], System.Globalization.CultureInfo.InvariantCulture);
            rest = rest[(portEnd + 1)..];
        }

        string? identity = null, knownHosts = null;
        int q = rest.LastIndexOf('?');
        if (q >= 0 && ParseQuery(rest[(q + 1)..], strict: false) is { } overrides)
        {
            (identity, knownHosts) = overrides;
            rest = rest[..q];
        }

        int sep = userInfo.IndexOf(':');
        string user = sep >= 0 ? userInfo[..sep] : userInfo;
        string? password = sep >= 0 ? userInfo[(sep + 1)..] : null;
        location = new SftpLocation(host, port, NullIfEmpty(user), password, rest, identity, knownHosts);
        return true;
    }

    private static (string Host, int? Port) ParseHostPort(string authority)
    {
        string host = authority;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            if (close < 0)
            {
                throw new FormatException("SFTP location: unterminated [IPv6] host.");
            }

            host = authority[1..close];
            if (close + 1 < authority.Length)
            {
                if (authority[close + 1] != ':')
                {
                    throw new FormatException("SFTP location: unexpected text after the host.");
                }

                portText = authority[(close + 2)..];
            }
        }
        else if (authority.IndexOf(':') is int colon && colon >= 0)
        {
            host = authority[..colon];
            portText = authority[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw new FormatException("SFTP location: missing host.");
        }

        int? port = null;
        if (portText is not null)
        {
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
            {
                throw new FormatException("SFTP location: the port must be a number from 1 to 65535.");
            }

            port = p;
        }

        return (host, port);
    }

    private static (string? Identity, string? KnownHosts)? ParseQuery(string? query, bool strict)
    {
        string? identity = null, knownHosts = null;
        if (string.IsNullOrEmpty(query))
        {
            return strict ? (null, null) : null;
        }

        foreach (string part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string name = eq >= 0 ? part[..eq] : part;
            string value = eq >= 0 ? Uri.UnescapeDataString(part[(eq + 1)..]) : "";
            switch (name)
            {
                case "identity":
                    identity = value;
                    break;
                case "known-hosts" or "known_hosts":
                    knownHosts = value;
                    break;
                default:
                    if (strict)
                    {
                        throw new FormatException($"SFTP location: unknown query parameter '{name}' (known: identity, known-hosts).");
                    }

                    return null;
            }
        }

        return (identity, knownHosts);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
