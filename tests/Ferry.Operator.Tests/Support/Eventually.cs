namespace Ferry.Operator.Tests.Support;

/// <summary>Polls until a condition on the state of the world holds, or fails with the last state seen.</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        T last;
        while (true)
        {
            last = await read();
            if (condition(last))
            {
                return last;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}; last value: {Describe(last)}");
            }

            await Task.Delay(50);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        Ferry.Api.SyncJobs.SyncJob s => System.Text.Json.JsonSerializer.Serialize(s, Ferry.Api.Serialization.ApiJsonContext.Default.SyncJob),
        Ferry.Api.ReplicaMirrors.ReplicaMirror m => System.Text.Json.JsonSerializer.Serialize(m, Ferry.Api.Serialization.ApiJsonContext.Default.ReplicaMirror),
        _ => value.ToString() ?? "",
    };
}
