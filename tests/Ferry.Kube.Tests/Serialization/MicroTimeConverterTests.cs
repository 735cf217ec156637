using System.Text.Json;
using Ferry.Kube.Serialization;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.Serialization;

public sealed class MicroTimeConverterTests
{
    [Fact]
    public void Lease_Serialize_TimesHaveSixFractionalDigitsInUtcAndNullsAreOmitted()
    {
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "l", NamespaceProperty = "ns" },
            Spec = new V1LeaseSpec
            {
                HolderIdentity = "a",
                RenewTime = new DateTimeOffset(2026, 1, 2, 5, 4, 5, TimeSpan.FromHours(2)).AddTicks(1234567).UtcDateTime,
            },
        };

        var json = JsonSerializer.Serialize(lease, KubeJson.TypeInfo<V1Lease>());

        Assert.Contains("\"renewTime\":\"2026-01-02T03:04:05.123456Z\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("acquireTime", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, KubeJson.TypeInfo<V1Lease>())!;
        Assert.Equal(lease.Spec.RenewTime!.Value.AddTicks(-7), back.Spec!.RenewTime);
        Assert.Null(back.Spec.AcquireTime);
    }
}
