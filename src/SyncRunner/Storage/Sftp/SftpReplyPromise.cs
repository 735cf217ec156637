namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>A task for the reply to one request; its continuations run on the thread pool, never on the reader thread.</summary>
internal sealed class SftpReplyPromise() : TaskCompletionSource<SftpReply>(TaskCreationOptions.RunContinuationsAsynchronously), ISftpReplyTarget
{
    public void OnReply(SftpReply reply)
    {
        if (!TrySetResult(reply))
        {
            reply.Dispose(); // cancelled meanwhile
        }
    }

    public void OnFailed(Exception error) => TrySetException(error);
}
