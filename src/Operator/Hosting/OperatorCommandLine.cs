using System.Globalization;
using Ferry.Operator.Controllers;

namespace Ferry.Operator.Hosting;

/// <summary>Reads <see cref="OperatorOptions"/> from the command line and the environment (flags win).</summary>
/// <remarks>Flags are <c>--name value</c> or <c>--name=value</c>; durations are in seconds; booleans are
/// <c>true</c>/<c>false</c> (a bare <c>--leader-elect</c> means true).</remarks>
internal static class OperatorCommandLine
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage: ferry-operator [options]
          --kubeconfig PATH                 kubeconfig file (default: in-cluster, else $KUBECONFIG or ~/.kube/config)
          --namespace NS                    reconcile SyncJobs in NS only (default: all; env FERRY_OPERATOR_NAMESPACE)
          --port N                          port of /healthz, /readyz, /metrics (default 8080, 0 = any; env FERRY_OPERATOR_PORT)
          --runner-image IMAGE              default runner image (default ghcr.io/ferry-io/ferry:latest; env FERRY_RUNNER_IMAGE)
          --runner-service-account NAME     default runner ServiceAccount (default: the namespace's default)
          --lease-duration SECONDS          task/scan Lease duration passed to workers (default 15)
          --status-interval SECONDS         least time between status writes of one SyncJob (default 2)
          --spec-recheck-interval SECONDS   re-check of an invalid spec (default 10)
          --resync-interval SECONDS         longest time between reconciles of a running SyncJob (default 30)
          --concurrency N                   concurrent reconciles (default 4)
          --leader-elect true|false         leader election (default true)
          --leader-election-name NAME       leader election Lease name (default ferry-operator)
          --leader-election-namespace NS    leader election Lease namespace (default: the operator's namespace)
          --leader-election-lease-duration SECONDS  takeover delay after a leader died (default 15)
          --log-format json|text            console log format (default json)
        """;

    /// <summary>Parses the arguments over the environment's defaults.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">An unknown flag, a missing value or a malformed number.</exception>
    public static OperatorOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var options = new OperatorOptions();
        if (environment("FERRY_OPERATOR_PORT") is { Length: > 0 } port)
        {
            options.Port = Int(port, "FERRY_OPERATOR_PORT", 0, 65535);
        }

        if (environment("FERRY_OPERATOR_NAMESPACE") is { Length: > 0 } ns)
        {
            options.Namespace = ns;
        }

        if (environment("FERRY_RUNNER_IMAGE") is { Length: > 0 } image)
        {
            options.RunnerImage = image;
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new FormatException($"unexpected argument \"{arg}\"");
            }

            string flag;
            string? inline = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                flag = arg[2..eq];
                inline = arg[(eq + 1)..];
            }
            else
            {
                flag = arg[2..];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"--{flag} needs a value");
                }

                return args[++i];
            }

            switch (flag)
            {
                case "kubeconfig": options.Kubeconfig = Value(); break;
                case "namespace": options.Namespace = Value() is { Length: > 0 } n ? n : null; break;
                case "port": options.Port = Int(Value(), "--port", 0, 65535); break;
                case "runner-image": options.RunnerImage = Value(); break;
                case "runner-service-account": options.RunnerServiceAccountName = Value(); break;
                case "lease-duration": options.LeaseDurationSeconds = Int(Value(), "--lease-duration", 3, 3600); break;
                case "status-interval": options.StatusWriteInterval = Seconds(Value(), "--status-interval"); break;
                case "spec-recheck-interval": options.SpecRecheckInterval = Seconds(Value(), "--spec-recheck-interval"); break;
                case "resync-interval": options.ResyncInterval = Seconds(Value(), "--resync-interval"); break;
                case "concurrency": options.Concurrency = Int(Value(), "--concurrency", 1, 64); break;
                case "leader-elect":
                    options.LeaderElection = inline is null && (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                        ? true
                        : Bool(Value(), "--leader-elect");
                    break;
                case "leader-election-name": options.LeaderElectionLeaseName = Value(); break;
                case "leader-election-namespace": options.LeaderElectionNamespace = Value(); break;
                case "leader-election-lease-duration":
                    options.LeaderElectionLeaseDuration = Seconds(Value(), "--leader-election-lease-duration");
                    if (options.LeaderElectionLeaseDuration < TimeSpan.FromSeconds(1))
                    {
                        throw new FormatException("--leader-election-lease-duration must be at least 1 second");
                    }

                    break;
                case "log-format":
                    var format = Value();
                    options.LogFormat = format is "json" or "text" ? format : throw new FormatException("--log-format must be json or text");
                    break;
                default: throw new FormatException($"unknown option --{flag}");
            }
        }

        return options;
    }

    private static int Int(string text, string name, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"{name} must be an integer from {min} to {max}, not \"{text}\"");

    private static TimeSpan Seconds(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= 86400
            ? TimeSpan.FromSeconds(value)
            : throw new FormatException($"{name} must be a positive number of seconds, not \"{text}\"");

    private static bool Bool(string text, string name) => text switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new FormatException($"{name} must be true or false, not \"{text}\""),
    };
}
