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

    [Fact]
    public void LeaseAndEvent_WholeSecond_StillWriteSixFractionalDigits()
    {
        // KubernetesClient's own converter writes "…:05Z" for a whole second, which apimachinery's MicroTime refuses.
        var whole = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var lease = new V1Lease { Spec = new V1LeaseSpec { AcquireTime = whole, RenewTime = whole } };
        var e = new Corev1Event { EventTime = whole, FirstTimestamp = whole, InvolvedObject = new V1ObjectReference(), Metadata = new V1ObjectMeta() };

        var leaseJson = JsonSerializer.Serialize(lease, KubeJson.TypeInfo<V1Lease>());
        var eventJson = JsonSerializer.Serialize(e, KubeJson.TypeInfo<Corev1Event>());

        Assert.Contains("\"acquireTime\":\"2026-01-02T03:04:05.000000Z\"", leaseJson, StringComparison.Ordinal);
        Assert.Contains("\"renewTime\":\"2026-01-02T03:04:05.000000Z\"", leaseJson, StringComparison.Ordinal);
        Assert.Contains("\"eventTime\":\"2026-01-02T03:04:05.000000Z\"", eventJson, StringComparison.Ordinal);
        Assert.Contains("\"firstTimestamp\":\"2026-01-02T03:04:05Z\"", eventJson, StringComparison.Ordinal); // metav1.Time: whole seconds
    }
}
