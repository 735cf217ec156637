using Ferry.Api;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Jobs;

/// <summary>Opens what a user named — a storage URL or a SyncJob endpoint, a file or a directory — so that a name, URL or
/// path that cannot be used surfaces as a <see cref="ConfigurationException"/> with the same message.</summary>
/// <remarks>The storage backends and the file system report such input with the exceptions they always used
/// (<see cref="ArgumentException"/> and <see cref="FormatException"/> for a malformed URL or a missing credential,
/// <see cref="NotSupportedException"/>, <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/> and
/// <see cref="StorageException"/> for a path or store that cannot be opened); this is the one place that says so, where
/// a command opens what it was given, so that every command catches only <see cref="ConfigurationException"/>.
/// <see cref="ArgumentNullException"/> stays a programming error.</remarks>
internal static class UserInput
{
    /// <summary>Runs <paramref name="open"/>, turning the exceptions of unusable input into a
    /// <see cref="ConfigurationException"/>.</summary>
    /// <typeparam name="T">What is opened.</typeparam>
    /// <param name="open">Opens it.</param>
    /// <returns>What <paramref name="open"/> returned.</returns>
    /// <exception cref="ConfigurationException">The input cannot be used.</exception>
    public static T Open<T>(Func<T> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        try
        {
            return open();
        }
        catch (Exception e) when (IsUnusableInput(e))
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    /// <summary>Runs <paramref name="check"/>, turning the exceptions of unusable input into a
    /// <see cref="ConfigurationException"/>.</summary>
    /// <param name="check">Checks the input (e.g. <see cref="StorageFactory.CheckTrailingSlashes"/>).</param>
    /// <exception cref="ConfigurationException">The input cannot be used.</exception>
    public static void Check(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        Open(() =>
        {
            check();
            return true;
        });
    }

    /// <summary>Runs <paramref name="open"/>, turning the exceptions of unusable input into a
    /// <see cref="ConfigurationException"/>.</summary>
    /// <typeparam name="T">What is opened.</typeparam>
    /// <param name="open">Opens it.</param>
    /// <returns>What <paramref name="open"/> returned.</returns>
    /// <exception cref="ConfigurationException">The input cannot be used.</exception>
    public static async Task<T> OpenAsync<T>(Func<Task<T>> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        try
        {
            return await open().ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnusableInput(e))
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    private static bool IsUnusableInput(Exception e) =>
        e is (ArgumentException and not ArgumentNullException) or FormatException or NotSupportedException or IOException
            or UnauthorizedAccessException or StorageException;
}
