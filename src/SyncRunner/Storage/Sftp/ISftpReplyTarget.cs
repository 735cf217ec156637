namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>Where the reply to one SFTP request goes: a task awaiting it, or a file's <see cref="SftpWriteWindow"/>.</summary>
internal interface ISftpReplyTarget
{
    /// <summary>Takes the reply and owns it from then on. Runs on the session's reader thread: quick, never blocking.</summary>
    void OnReply(SftpReply reply);

    /// <summary>The request will get no reply: the session failed (<paramref name="error"/> says why).</summary>
    void OnFailed(Exception error);
}
