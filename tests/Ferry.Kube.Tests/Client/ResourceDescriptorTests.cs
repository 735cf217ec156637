using Ferry.Kube.Client;

namespace Ferry.Kube.Tests.Client;

public sealed class ResourceDescriptorTests
{
    private static readonly ResourceDescriptor SyncJobs = new("ferry.io", "v1alpha1", "syncjobs", "SyncJob", true);

    [Theory]
    [InlineData("ns", null, null, "/apis/ferry.io/v1alpha1/namespaces/ns/syncjobs")]
    [InlineData(null, null, null, "/apis/ferry.io/v1alpha1/syncjobs")]
    [InlineData("ns", "a", null, "/apis/ferry.io/v1alpha1/namespaces/ns/syncjobs/a")]
    [InlineData("ns", "a", "status", "/apis/ferry.io/v1alpha1/namespaces/ns/syncjobs/a/status")]
    public void Path_NamespacedGroupResource_FollowsResourceUriLayout(string? ns, string? name, string? sub, string expected) =>
        Assert.Equal(expected, SyncJobs.Path(ns, name, sub));

    [Fact]
    public void Path_CoreAndClusterScoped_UseApiPrefixAndNoNamespace()
    {
        Assert.Equal("/api/v1/namespaces/x/pods/p", KubeResources.Pods.Descriptor.Path("x", "p"));
        Assert.Equal("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/syncjobs.ferry.io",
            KubeResources.CustomResourceDefinitions.Descriptor.Path(null, "syncjobs.ferry.io"));
        Assert.Equal("v1", KubeResources.Pods.Descriptor.ApiVersion);
        Assert.Equal("coordination.k8s.io/v1", KubeResources.Leases.Descriptor.ApiVersion);
    }

    [Fact]
    public void Path_ScopeMisuse_Throws()
    {
        Assert.Throws<ArgumentException>(() => SyncJobs.Path(null, "a"));
        Assert.Throws<ArgumentException>(() => KubeResources.CustomResourceDefinitions.Descriptor.Path("ns", "a"));
    }
}
