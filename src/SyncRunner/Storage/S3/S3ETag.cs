namespace Ferry.SyncRunner.Storage.S3;

/// <summary>What an S3 ETag says about an object's content.</summary>
/// <remarks>
/// The ETag of an object written by a single PutObject (without SSE-KMS/SSE-C) is the hex MD5 of its content.
/// The ETag of a multipart upload is <c>MD5-of-part-MD5s-N</c> (N = number of parts): it depends on the part
/// sizes and is not an MD5 of the content, so two identical objects uploaded with different part sizes have
/// different ETags, and an ETag match between a multipart object and a file proves nothing
/// (AWS S3 user guide, "Checking object integrity").
/// </remarks>
public static class S3ETag
{
    /// <summary>Whether <paramref name="etag"/> is a plain content MD5 (32 hex digits, no <c>-N</c> part count).</summary>
    /// <param name="etag">An ETag with or without quotes, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when the ETag can be compared with an MD5 of the content.</returns>
    public static bool IsContentMd5(string? etag)
    {
        string? e = Normalize(etag);
        return e is { Length: 32 } && e.All(Uri.IsHexDigit);
    }

    /// <summary>Whether two ETags prove equal content: both are plain content MD5s and they are equal. A
    /// <see langword="false"/> result means "unknown or different": compare the bytes instead.</summary>
    /// <param name="x">An ETag, or <see langword="null"/>.</param>
    /// <param name="y">An ETag, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> only when both are content MD5s and match.</returns>
    public static bool ProvesEqualContent(string? x, string? y) =>
        IsContentMd5(x) && IsContentMd5(y) && string.Equals(Normalize(x), Normalize(y), StringComparison.OrdinalIgnoreCase);

    /// <summary>Strips the quotes S3 puts around ETags.</summary>
    /// <param name="etag">An ETag, or <see langword="null"/>.</param>
    /// <returns>The ETag without quotes, or <see langword="null"/>.</returns>
    public static string? Normalize(string? etag) => etag?.Trim().Trim('"');
}
