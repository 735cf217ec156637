using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.Events;
using Ferry.Kube.Tests.TestSupport;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.Events;

public sealed class EventRecorderTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryKubernetesClient _client = new();
    private readonly V1ConfigMap _involved = new() { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "files", NamespaceProperty = "ns", Uid = "u-1", ResourceVersion = "9" } };

    private EventRecorder NewRecorder() => new(_client, new EventRecorderOptions { Component = "ferry-operator", Instance = "pod-0", TimeProvider = _time });

    [Fact]
    public async Task Record_SameEventTwiceWithinWindow_CountsOnOneEvent()
    {
        var recorder = NewRecorder();

        await recorder.NormalAsync(_involved, "Started", "run 1 started");
        _time.Advance(TimeSpan.FromMinutes(1));
        await recorder.NormalAsync(_involved, "Started", "run 1 started");

        var e = Assert.Single(_client.All(KubeResources.Events));
        Assert.Equal(2, e.Count);
        Assert.Equal(("ConfigMap", "v1", "files", "ns", "u-1"), (e.InvolvedObject.Kind, e.InvolvedObject.ApiVersion, e.InvolvedObject.Name, e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Uid));
        Assert.Equal(("Normal", "Started", "ferry-operator", "pod-0"), (e.Type, e.Reason, e.Source!.Component, e.ReportingInstance));
        Assert.Equal(_time.GetUtcNow().UtcDateTime, e.LastTimestamp);
        Assert.Equal(_time.GetUtcNow().AddMinutes(-1).UtcDateTime, e.FirstTimestamp);
        Assert.StartsWith("files.", e.Metadata.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_DifferentMessageOrAfterWindow_CreatesNewEvents()
    {
        var recorder = NewRecorder();

        await recorder.WarningAsync(_involved, "Failed", "a");
        _time.Advance(TimeSpan.FromSeconds(1));
        await recorder.WarningAsync(_involved, "Failed", "b");
        _time.Advance(TimeSpan.FromMinutes(11));
        await recorder.WarningAsync(_involved, "Failed", "a");

        var events = _client.All(KubeResources.Events);
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal((1, "Warning"), (e.Count, e.Type)));
    }

    [Fact]
    public async Task Record_ApiUnavailable_DoesNotThrow()
    {
        _client.FailWith = new KubernetesTransportException("down");

        await NewRecorder().NormalAsync(_involved, "Started", "x");

        _client.FailWith = null;
        Assert.Empty(_client.All(KubeResources.Events));
    }
}
