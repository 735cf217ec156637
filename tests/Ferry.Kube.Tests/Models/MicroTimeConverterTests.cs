using System.Text.Json;
using Ferry.Kube.Models;
using Ferry.Kube.Serialization;

namespace Ferry.Kube.Tests.Models;

public sealed class MicroTimeConverterTests
{
    [Fact]
    public void Lease_Serialize_TimesHaveSixFractionalDigitsInUtcAndNullsAreOmitted()
    {
        var lease = new Lease
        {
            Metadata = new ObjectMeta { Name = "l", Namespace = "ns" },
            Spec = new LeaseSpec
            {
                HolderIdentity = "a",
                RenewTime = new DateTimeOffset(2026, 1, 2, 5, 4, 5, TimeSpan.FromHours(2)).AddTicks(1234567),
            },
        };

        var json = JsonSerializer.Serialize(lease, KubeJsonContext.Default.Lease);

        Assert.Contains("\"renewTime\":\"2026-01-02T03:04:05.123456Z\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("acquireTime", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, KubeJsonContext.Default.Lease)!;
        Assert.Equal(lease.Spec.RenewTime!.Value.AddTicks(-7), back.Spec!.RenewTime);
        Assert.Null(back.Spec.AcquireTime);
    }
}
