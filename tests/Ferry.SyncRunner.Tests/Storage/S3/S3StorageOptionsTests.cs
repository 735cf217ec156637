using Amazon.Runtime;
using Ferry.SyncRunner.Storage.S3;

namespace Ferry.SyncRunner.Tests.Storage.S3;

public class S3StorageOptionsTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Defaults_ArePinned()
    {
        var o = new S3StorageOptions();
        Assert.Equal(32 * MiB, o.MultipartThreshold);
        Assert.Equal(8 * MiB, o.PartSize);
        Assert.Equal(4, o.UploadConcurrency);
        Assert.Equal(8 * MiB, o.DownloadChunkSize);
        Assert.Equal(4, o.DownloadConcurrency);
        Assert.Equal(1000, o.ListPageSize);
        Assert.Equal(8, o.MaxRetries);
        Assert.Equal(S3ModifiedTimeSource.Metadata, o.ModifiedTimeSource);
        Assert.Null(o.StorageClass);
        Assert.Equal(TimeSpan.FromMilliseconds(200), o.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), o.RetryMaxDelay);
        Assert.Null(o.RequestChecksumCalculation);
        Assert.Null(o.ResponseChecksumValidation);
        Assert.Equal(TimeSpan.FromMinutes(5), o.RequestTimeout);
        Assert.Same(TimeProvider.System, o.TimeProvider);
    }

    [Theory]
    [InlineData(0L, 8 * MiB)]
    [InlineData(80_000 * MiB, 8 * MiB)]
    [InlineData(80_001 * MiB, 9 * MiB)]
    [InlineData(5L * 1024 * 1024 * MiB, 525 * MiB)]
    public void PartSizeFor_GrowsSoTenThousandPartsFit(long size, long expected)
    {
        var o = new S3StorageOptions();
        long part = o.PartSizeFor(size);
        Assert.Equal(expected, part);
        Assert.True((size + part - 1) / part <= S3StorageOptions.MaximumParts);
    }

    [Fact]
    public void PartSizeFor_BelowMinimum_UsesFiveMiB() =>
        Assert.Equal(5 * MiB, new S3StorageOptions { PartSize = 1 }.PartSizeFor(100));

    [Fact]
    public void PartSizeForUnknownSize_TenThousandPartsHoldMoreThanFiveTiB()
    {
        var o = new S3StorageOptions();
        long total = 0;
        for (int i = 1; i <= S3StorageOptions.MaximumParts; i++)
        {
            total += o.PartSizeForUnknownSize(i);
        }

        Assert.Equal(8 * MiB, o.PartSizeForUnknownSize(1000));
        Assert.Equal(16 * MiB, o.PartSizeForUnknownSize(1001));
        Assert.True(total >= S3StorageOptions.MaximumObjectSize, $"{total} bytes");
    }

    [Fact]
    public void ChecksumSetting_IsSettable()
    {
        var o = new S3StorageOptions { RequestChecksumCalculation = RequestChecksumCalculation.WHEN_SUPPORTED };
        Assert.Equal(RequestChecksumCalculation.WHEN_SUPPORTED, o.RequestChecksumCalculation);
    }
}
