using System.Diagnostics;
using System.Globalization;
using Ferry.Testing.Radosgw;

namespace Ferry.Bench.Scale;

/// <summary>The fallback without a cluster: `ferry run -f syncjob.yaml --workers N` (N in-process workers on the same
/// queue), timed from start to exit. No Kubernetes API requests are made, so none are counted. Mode <c>sync</c> runs
/// plain `ferry sync` (no queue) with <c>threads × workers</c> threads instead, as a reference.</summary>
internal sealed class LocalRunner(BenchOptions options, string work) : IRunner
{
    public int? OperatorPid => null;

    public async Task<RunResult> RunAsync(string name, int workers, RadosgwServer rgw, Uri s3Endpoint, string bucket, Dataset dataset, CancellationToken cancellationToken)
    {
        string volumes = Directory.CreateDirectory(Path.Combine(work, "volumes-" + name)).FullName;
        Directory.CreateDirectory(Path.Combine(volumes, "dst"));
        string manifest = Path.Combine(work, $"syncjob-{name}.yaml");
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: ferry.io/v1alpha1
            kind: SyncJob
            metadata: {name: scale, namespace: default}
            spec:
              source:
                s3:
                  bucket: {{bucket}}
                  endpoint: "{{s3Endpoint.GetLeftPart(UriPartial.Authority)}}"
                  region: us-east-1
                  forcePathStyle: true
                  credentialsSecretRef: {name: s3}
              destination:
                volume: {claimName: dst}
              workers: {{workers}}
              threads: {{options.Threads}}
              taskObjects: {{options.TaskObjects}}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: s3, namespace: default}
            stringData: {accessKeyId: "{{rgw.AccessKey}}", secretAccessKey: "{{rgw.SecretKey}}"}
            """, cancellationToken);
        string[] command = options.Ferry.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] ferryArgs = options.Mode == "sync"
            ? ["sync", rgw.Url(bucket, "", s3Endpoint), Path.Combine(volumes, "dst") + "/", "--threads", (options.Threads * workers).ToString(CultureInfo.InvariantCulture), "--quiet"]
            : ["run", "-f", manifest, "--workers", workers.ToString(CultureInfo.InvariantCulture), "--volume", $"dst={Path.Combine(volumes, "dst")}"];
        foreach (string arg in command[1..].Concat(ferryArgs))
        {
            start.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("ferry did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        double seconds = clock.Elapsed.TotalSeconds;
        string output = await stdout + await stderr;
        await File.WriteAllTextAsync(Path.Combine(options.Work, $"ferry-scalebench-{name}.log"), output, cancellationToken);
        var result = new RunResult
        {
            Name = name,
            Workers = workers,
            Seconds = seconds,
            Outcome = process.ExitCode == 0 ? "Complete" : $"exit {process.ExitCode}",
        };
        result.VerifyError = dataset.Verify(Path.Combine(volumes, "dst"));
        result.Verified = result.VerifyError is null;
        Directory.Delete(volumes, recursive: true);
        return result;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
