using Amazon.Runtime;
using Ferry.SyncRunner.Storage.S3;

namespace Ferry.SyncRunner.Tests.Storage.S3;

public class S3RequestSignerTests
{
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <summary>The GET Object example of the Amazon S3 API reference ("Signature Calculations for the Authorization
    /// Header: Transferring Payload in a Single Chunk", example credentials and time from that page).</summary>
    [Fact]
    public void Sign_AwsGetObjectExample_ProducesThePublishedSignature()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri("https://examplebucket.s3.amazonaws.com/test.txt", Verbatim));
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-9");
        var credentials = new ImmutableCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null);

        new S3RequestSigner("us-east-1").Sign(request, credentials, new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            Assert.Single(request.Headers.GetValues("Authorization")));
        Assert.Equal("20130524T000000Z", Assert.Single(request.Headers.GetValues("x-amz-date")));
        Assert.Equal(S3RequestSigner.EmptyPayloadHash, Assert.Single(request.Headers.GetValues("x-amz-content-sha256")));
        Assert.False(request.Headers.Contains("x-amz-security-token"));
    }

    [Fact]
    public void Sign_TemporaryCredentials_SignsTheSessionToken()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://127.0.0.1:7480/bucket/key", Verbatim));
        new S3RequestSigner("us-east-1").Sign(request, new ImmutableCredentials("AK", "SK", "TOKEN"), DateTimeOffset.UnixEpoch);

        Assert.Equal("TOKEN", Assert.Single(request.Headers.GetValues("x-amz-security-token")));
        Assert.Contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,", Assert.Single(request.Headers.GetValues("Authorization")), StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_SameRequestAtAnotherTimeOrWithAnotherSecret_ChangesTheSignature()
    {
        string SignatureOf(string secret, DateTimeOffset time, S3RequestSigner signer)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://127.0.0.1:7480/bucket/a%20b", Verbatim));
            signer.Sign(request, new ImmutableCredentials("AK", secret, null), time);
            return Assert.Single(request.Headers.GetValues("Authorization"));
        }

        var signer = new S3RequestSigner("us-east-1");
        var day1 = new DateTimeOffset(2026, 11, 21, 23, 59, 59, TimeSpan.Zero);
        string first = SignatureOf("secret-1", day1, signer);
        Assert.Equal(first, SignatureOf("secret-1", day1, new S3RequestSigner("us-east-1")));
        Assert.NotEqual(first, SignatureOf("secret-2", day1, signer));
        Assert.NotEqual(first, SignatureOf("secret-1", day1.AddSeconds(2), signer));
        Assert.NotEqual(first, SignatureOf("secret-1", day1, new S3RequestSigner("eu-west-1")));
    }

    [Fact]
    public void Sign_RequestWithQueryOrBody_Throws()
    {
        var signer = new S3RequestSigner("us-east-1");
        var credentials = new ImmutableCredentials("AK", "SK", null);
        Assert.Throws<ArgumentException>(() => signer.Sign(new HttpRequestMessage(HttpMethod.Get, "http://h/b/k?versionId=1"), credentials, DateTimeOffset.UnixEpoch));
        Assert.Throws<ArgumentException>(() => signer.Sign(new HttpRequestMessage(HttpMethod.Put, "http://h/b/k") { Content = new ByteArrayContent([1]) }, credentials, DateTimeOffset.UnixEpoch));
    }

    [Theory]
    [InlineData("plain/key.txt", "plain/key.txt")]
    [InlineData("a b/c+d", "a%20b/c%2Bd")]
    [InlineData("100%/é", "100%25/%C3%A9")]
    [InlineData("dir/../x//y", "dir/../x//y")]
    [InlineData("~-_.", "~-_.")]
    [InlineData("?#[]", "%3F%23%5B%5D")]
    public void EncodeKey_EncodesAllButUnreservedAndSlash(string key, string expected) => Assert.Equal(expected, S3RequestSigner.EncodeKey(key));
}
