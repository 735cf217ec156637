using System.Diagnostics;
using Ferry.SyncRunner.Storage.Sftp;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

public sealed class SshCommandLineTests
{
    private static readonly SftpStorageOptions Defaults = new();

    [Fact]
    public void Arguments_KeyLogin_UseBatchModeStrictHostKeysPortIdentityAndSubsystem()
    {
        using var command = new SshCommandLine(SftpLocation.Parse("sftp://bob@h:2022/d?identity=/id&known-hosts=/kh"), Defaults);
        string args = string.Join(' ', command.Arguments);
        Assert.Contains("-o BatchMode=yes", args);
        Assert.Contains("-o StrictHostKeyChecking=yes", args);
        Assert.Contains("-o UserKnownHostsFile=/kh", args);
        Assert.Contains("-i /id -o IdentitiesOnly=yes", args);
        Assert.Contains("-p 2022", args);
        Assert.EndsWith("-l bob -s -- h sftp", args);
        Assert.Empty(command.Environment);
    }

    [Fact]
    public void Arguments_NotStrict_AcceptsNewKeysOnly()
    {
        using var command = new SshCommandLine(SftpLocation.Parse("sftp://h/d"), new SftpStorageOptions { StrictHostKeyChecking = false });
        Assert.Contains("StrictHostKeyChecking=accept-new", command.Arguments);
        Assert.DoesNotContain("StrictHostKeyChecking=no", command.Arguments);
    }

    [Fact]
    public async Task Password_NeverInArguments_SuppliedThroughAskPass()
    {
        const string password = "s3cr3t 'with' \"quotes\" $HOME `x`";
        string url = "sftp://bob:" + Uri.EscapeDataString(password) + "@h/d";
        string askPass;
        using (var command = new SshCommandLine(SftpLocation.Parse(url), Defaults))
        {
            ProcessStartInfo psi = command.ToStartInfo();
            Assert.DoesNotContain(psi.ArgumentList, a => a.Contains("s3cr3t", StringComparison.Ordinal));
            Assert.DoesNotContain("BatchMode=yes", psi.ArgumentList); // BatchMode would disable the askpass prompt
            Assert.Equal("force", psi.Environment["SSH_ASKPASS_REQUIRE"]);
            askPass = psi.Environment["SSH_ASKPASS"]!;
            Assert.DoesNotContain("s3cr3t", await File.ReadAllTextAsync(askPass)); // the script holds no secret

            // Run the helper the way ssh does (prompt as its argument, environment inherited).
            var run = new ProcessStartInfo(askPass) { RedirectStandardOutput = true, UseShellExecute = false };
            run.ArgumentList.Add("bob@h's password: ");
            run.Environment[SshCommandLine.PasswordVariable] = psi.Environment[SshCommandLine.PasswordVariable];
            using Process helper = Process.Start(run)!;
            string output = await helper.StandardOutput.ReadToEndAsync();
            await helper.WaitForExitAsync();
            Assert.Equal(password + "\n", output);
        }

        Assert.False(File.Exists(askPass)); // removed on dispose
    }

    [Fact]
    public void Arguments_Defaults_PreferAesGcmAfterExtraOptions()
    {
        using var command = new SshCommandLine(SftpLocation.Parse("sftp://h/d"), new SftpStorageOptions { ExtraSshOptions = ["Ciphers=aes256-ctr"] });
        List<string> args = [.. command.Arguments];
        int preferred = args.IndexOf("Ciphers=^aes128-gcm@openssh.com,aes256-gcm@openssh.com");
        Assert.True(preferred > args.IndexOf("Ciphers=aes256-ctr"), "a user's Ciphers option must come first (ssh keeps the first value)");
        Assert.True(args.IndexOf("Ciphers=aes256-ctr") >= 0);
    }

    [Fact]
    public void Arguments_NoPreferredCiphers_LeavesCiphersToSsh()
    {
        using var command = new SshCommandLine(SftpLocation.Parse("sftp://h/d"), new SftpStorageOptions { PreferredCiphers = null });
        Assert.DoesNotContain(command.Arguments, a => a.StartsWith("Ciphers=", StringComparison.Ordinal));
    }
}
