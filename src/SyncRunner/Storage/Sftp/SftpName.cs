namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>One entry of an SSH_FXP_NAME reply: a file name and its attributes.</summary>
internal sealed record SftpName(string FileName, SftpAttributes Attributes);
