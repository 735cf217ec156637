using System.Text.Json;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Cli;

public class RunCommandTests
{
    private const string Manifest = """
        apiVersion: ferry.io/v1alpha1
        kind: SyncJob
        metadata:
          name: local-copy
          namespace: default
        spec:
          source:
            volume:
              claimName: data
              path: photos
          destination:
            volume:
              claimName: backup
              path: copy
          deleteDst: true
          taskObjects: 10
          workers: 3
        """;

    [Fact]
    public async Task Run_ManifestWithLocalVolumes_SyncsAndPrintsTheOperatorStatus()
    {
        using var data = new TempDirectory();
        using var backup = new TempDirectory();
        using var files = new TempDirectory();
        for (int i = 0; i < 57; i++)
        {
            data.Write($"photos/{i % 3}/p{i:D2}.jpg", new string('x', i));
        }

        backup.Write("copy/0/stale.jpg", "gone after the run");
        string manifest = files.Write("syncjob.yaml", Manifest);

        (int code, string stdout, string stderr) = await RunAsync("run", "-f", manifest, "--volume", $"data={data.Path}", "--volume", $"backup={backup.Path}");

        Assert.True(code == 0, stderr);
        Assert.Equal(TreeSnapshot.Take(data.Combine("photos"), withDirectories: false), TreeSnapshot.Take(backup.Combine("copy"), withDirectories: false));
        SyncJobStatus status = JsonSerializer.Deserialize(stdout, ApiJsonContext.Default.SyncJobStatus)!;
        Assert.Equal(SyncJobPhase.Succeeded, status.Phase);
        Assert.Equal((57L, 57L, 1L, 0L), (status.Progress!.Scanned, status.Progress.Copied, status.Progress.Deleted, status.Progress.Failed));
        Assert.Equal(Enumerable.Range(0, 57).Sum(i => (long)i), status.Progress.CopiedBytes);
        Assert.Equal((0, 0), (status.Workers!.Desired, status.Workers.Active)); // a finished run wants no workers, as the operator writes it
        Assert.True(status.Tasks!.Done > 2);
        Assert.Equal(status.Tasks.Total, status.Tasks.Done);
        Assert.Contains(status.Conditions!, c => c is { Type: "Complete", Status: "True", Reason: "Succeeded" });
    }

    [Fact]
    public async Task Run_StartAndEnd_CopyTheKeysFerrySyncCopies_EndIncluded()
    {
        using var data = new TempDirectory();
        using var backup = new TempDirectory();
        using var local = new TempDirectory();
        using var files = new TempDirectory();
        foreach (string key in new[] { "a", "b", "c", "d", "d0", "e" })
        {
            data.Write("photos/" + key, key);
        }

        string manifest = files.Write("syncjob.yaml", Manifest + "\n  start: b\n  end: d\n");

        (int code, _, string stderr) = await RunAsync("run", "-f", manifest, "--volume", $"data={data.Path}", "--volume", $"backup={backup.Path}");
        (int syncCode, _, string syncErr) = await RunAsync("sync", "--start", "b", "--end", "d", data.Combine("photos") + "/", local.Path + "/");

        Assert.True(code == 0, stderr);
        Assert.True(syncCode == 0, syncErr);
        Assert.Equal(["b", "c", "d"], Directory.GetFiles(backup.Combine("copy")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(TreeSnapshot.Take(local.Path, withDirectories: false), TreeSnapshot.Take(backup.Combine("copy"), withDirectories: false));
    }

    [Fact]
    public async Task Run_MaxDeleteExceeded_FailedStatusAndExitCode_NothingDeleted()
    {
        using var data = new TempDirectory();
        using var backup = new TempDirectory();
        using var files = new TempDirectory();
        data.Write("photos/a", "a");
        backup.Write("copy/x", "x");
        backup.Write("copy/y", "y");
        string manifest = files.Write("syncjob.yaml", Manifest + "\n  maxDelete: 1\n");

        (int code, string stdout, _) = await RunAsync("run", "-f", manifest, "--volume", $"data={data.Path}", "--volume", $"backup={backup.Path}", "--workers", "2");

        Assert.Equal(1, code);
        SyncJobStatus status = JsonSerializer.Deserialize(stdout, ApiJsonContext.Default.SyncJobStatus)!;
        Assert.Equal(SyncJobPhase.Failed, status.Phase);
        Assert.Contains(status.Conditions!, c => c is { Type: "Failed", Status: "True", Reason: "MaxDeleteExceeded" });
        Assert.Contains(status.Conditions!, c => c is { Type: "Progressing", Status: "False", Reason: "MaxDeleteExceeded" });
        Assert.DoesNotContain(status.Conditions!, c => c.Type == "Complete"); // as the operator writes it: no Complete=False
        Assert.StartsWith("refusing to delete", status.LastError, StringComparison.Ordinal);
        Assert.True(File.Exists(backup.Combine("copy/x")) && File.Exists(backup.Combine("copy/y")));
    }

    [Fact]
    public async Task Run_MissingSecret_ClearErrorAndUsageExitCode()
    {
        using var files = new TempDirectory();
        string manifest = files.Write("syncjob.yaml", """
            apiVersion: ferry.io/v1alpha1
            kind: SyncJob
            metadata:
              name: from-s3
            spec:
              source:
                s3:
                  bucket: datasets
                  credentialsSecretRef:
                    name: datasets-s3-credentials
              destination:
                volume:
                  claimName: backup
            """);

        (int code, string stdout, string stderr) = await RunAsync("run", "-f", manifest, "--volume", "backup=/tmp");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("Secret datasets-s3-credentials", stderr, StringComparison.Ordinal);
        Assert.Contains("spec.source.s3.credentialsSecretRef", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingVolumeMapping_ClearError()
    {
        using var files = new TempDirectory();
        string manifest = files.Write("syncjob.yaml", Manifest);

        (int code, _, string stderr) = await RunAsync("run", "-f", manifest, "--volume", "data=/tmp");

        Assert.Equal(2, code);
        Assert.Contains("--volume backup=DIR", stderr, StringComparison.Ordinal);
    }

    private const string Mirror = """
        apiVersion: ferry.io/v1alpha1
        kind: ReplicaMirror
        metadata:
          name: photos
          namespace: default
        spec:
          source:
            volume:
              claimName: data
              path: photos
          destinations:
            - name: near
              volume:
                claimName: near
            - name: far
              volume:
                claimName: far
                path: replica
            - name: paused
              suspend: true
              volume:
                claimName: paused
          schedule: "0 3 * * *"
          timeZone: Europe/Berlin
          taskObjects: 10
        """;

    [Fact]
    public async Task Run_ReplicaMirror_RunsEveryDestinationNotSuspendedAndPrintsTheMirrorStatus()
    {
        using var data = new TempDirectory();
        using var near = new TempDirectory();
        using var far = new TempDirectory();
        using var paused = new TempDirectory();
        using var files = new TempDirectory();
        for (int i = 0; i < 25; i++)
        {
            data.Write($"photos/{i % 4}/p{i:D2}.jpg", new string('y', i + 1));
        }

        // One stale key among four already mirrored: deleting it is 25% of the destination, within maxDelete 50%.
        far.Write("replica/old.jpg", "deleted: deleteDst defaults to true in a mirror");
        for (int i = 0; i < 3; i++)
        {
            far.Write($"replica/{i % 4}/p{i:D2}.jpg", new string('y', i + 1));
        }

        string manifest = files.Write("mirror.yaml", Mirror);

        (int code, string stdout, string stderr) = await RunAsync("run", "-f", manifest, "--volume", $"data={data.Path}", "--volume", $"near={near.Path}",
            "--volume", $"far={far.Path}", "--volume", $"paused={paused.Path}", "--workers", "2");

        Assert.True(code == 0, stderr + stdout);
        var source = TreeSnapshot.Take(data.Combine("photos"), withDirectories: false);
        Assert.Equal(source, TreeSnapshot.Take(near.Path, withDirectories: false));
        Assert.Equal(source, TreeSnapshot.Take(far.Combine("replica"), withDirectories: false));
        Assert.Empty(Directory.EnumerateFileSystemEntries(paused.Path));
        var status = JsonSerializer.Deserialize(stdout, ApiJsonContext.Default.ReplicaMirrorStatus)!;
        Assert.Equal(Ferry.Api.ReplicaMirrors.MirrorSyncResult.Succeeded, status.LastSyncResult);
        Assert.Equal(["near", "far", "paused"], status.Destinations!.Select(d => d.Name));
        var farStatus = status.Destinations![1];
        Assert.Equal(1L, farStatus.LastResult!.Deleted);
        Assert.Equal(22L, farStatus.LastResult.Copied);
        Assert.StartsWith("photos-far-", farStatus.LastResult.SyncJob, StringComparison.Ordinal);
        Assert.Null(status.Destinations[2].LastResult);
        Assert.Contains(status.Conditions!, c => c is { Type: "InSync", Status: "True", Reason: "WithinRpo" });
        Assert.Contains(status.Conditions!, c => c is { Type: "Degraded", Status: "False" });
    }

    [Fact]
    public async Task Run_ReplicaMirror_OneDestinationFails_ExitOneAndPartiallyFailed()
    {
        using var data = new TempDirectory();
        using var near = new TempDirectory();
        using var far = new TempDirectory();
        using var files = new TempDirectory();
        data.Write("photos/only.jpg", "1");
        for (int i = 0; i < 4; i++)
        {
            far.Write($"replica/extra{i}.jpg", "kept: deleting 4 of 5 keys exceeds maxDelete 50%");
        }

        string manifest = files.Write("mirror.yaml", Mirror.Replace("    - name: paused\n      suspend: true\n      volume:\n        claimName: paused\n", "", StringComparison.Ordinal));

        (int code, string stdout, _) = await RunAsync("run", "-f", manifest, "--volume", $"data={data.Path}", "--volume", $"near={near.Path}", "--volume", $"far={far.Path}");

        Assert.Equal(1, code);
        var status = JsonSerializer.Deserialize(stdout, ApiJsonContext.Default.ReplicaMirrorStatus)!;
        Assert.Equal(Ferry.Api.ReplicaMirrors.MirrorSyncResult.PartiallyFailed, status.LastSyncResult);
        Assert.Equal("MaxDeleteExceeded", status.Destinations!.Single(d => d.Name == "far").LastResult!.Reason);
        Assert.Contains(status.Conditions!, c => c is { Type: "Degraded", Status: "True", Reason: "MaxDeleteExceeded" });
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(File.Exists(far.Combine($"replica/extra{i}.jpg"))));
    }

    [Fact]
    public async Task Run_ReplicaMirror_BadSchedule_UsageError()
    {
        using var files = new TempDirectory();
        string manifest = files.Write("mirror.yaml", Mirror.Replace("\"0 3 * * *\"", "\"0 3 * * 8\"", StringComparison.Ordinal));

        (int code, string stdout, string stderr) = await RunAsync("run", "-f", manifest, "--volume", "data=/tmp");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("spec.schedule", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await FerryCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
