using Ferry.Kube.Errors;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.Errors;

public sealed class KubernetesApiExceptionTests
{
    [Theory]
    [InlineData(404, "NotFound", "NotFound")]
    [InlineData(409, "AlreadyExists", "AlreadyExists")]
    [InlineData(409, "Conflict", "Conflict")]
    [InlineData(410, "Expired", "Gone")]
    [InlineData(410, "Gone", "Gone")]
    [InlineData(422, "Invalid", "Invalid")]
    [InlineData(403, "Forbidden", "Forbidden")]
    [InlineData(500, "InternalError", "Transient")]
    [InlineData(429, "TooManyRequests", "Transient")]
    [InlineData(504, "Timeout", "Transient")]
    [InlineData(400, "BadRequest", "")]
    public void Predicates_StatusCodeAndReason_ExactlyTheMatchingOneIsTrue(int code, string reason, string expected)
    {
        var e = new KubernetesApiException(new V1Status { Code = code, Reason = reason, Message = "m" });

        var actual = new Dictionary<string, bool>
        {
            ["NotFound"] = e.IsNotFound,
            ["AlreadyExists"] = e.IsAlreadyExists,
            ["Conflict"] = e.IsConflict,
            ["Gone"] = e.IsGone,
            ["Invalid"] = e.IsInvalid,
            ["Forbidden"] = e.IsForbidden,
            ["Transient"] = e.IsTransient,
        };

        foreach (var (name, value) in actual)
        {
            Assert.True(value == (name == expected), $"{name} was {value} for {code} {reason}");
        }

        Assert.Equal(code, e.Code);
        Assert.Equal(reason, e.Reason);
    }

    [Fact]
    public void Message_IncludesCodeReasonObjectAndServerMessage()
    {
        var e = new KubernetesApiException(new V1Status
        {
            Code = 404,
            Reason = "NotFound",
            Message = "syncjobs.ferry.io \"a\" not found",
            Details = new V1StatusDetails { Name = "a", Kind = "syncjobs", Group = "ferry.io" },
        });

        Assert.Equal("Kubernetes API error 404 NotFound (syncjobs \"a\"): syncjobs.ferry.io \"a\" not found", e.Message);
        Assert.Equal("a", e.Details!.Name);
    }

    [Fact]
    public void TransportException_DefaultsToTransient()
    {
        Assert.True(new KubernetesTransportException("reset").IsTransient);
        Assert.False(new KubernetesTransportException("bad cert", isTransient: false).IsTransient);
    }
}
