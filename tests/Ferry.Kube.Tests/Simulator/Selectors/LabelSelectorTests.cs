using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Selectors;

namespace Ferry.Kube.Tests.Simulator.Selectors;

/// <summary>Label selector syntax and matching, as apimachinery's <c>labels.Parse</c> defines them.</summary>
public sealed class LabelSelectorTests
{
    private static JsonObject Labelled(string json) => new() { ["metadata"] = new JsonObject { ["labels"] = JsonNode.Parse(json) } };

    [Theory]
    [InlineData("", """{"a":"1"}""", true)]
    [InlineData("a=1", """{"a":"1"}""", true)]
    [InlineData("a=1", """{"a":"2"}""", false)]
    [InlineData("a!=1", """{}""", true)]
    [InlineData("a in (1, 2)", """{"a":"2"}""", true)]
    [InlineData("a notin (1,2)", """{"a":"3"}""", true)]
    [InlineData("a notin (1,2)", """{"a":"1"}""", false)]
    [InlineData("a,!b", """{"a":"x"}""", true)]
    [InlineData("a,!b", """{"a":"x","b":"y"}""", false)]
    [InlineData("app.kubernetes.io/name=ferry,tier in (a,b)", """{"app.kubernetes.io/name":"ferry","tier":"b"}""", true)]
    public void Matches_FollowsRequirements(string selector, string labels, bool expected)
    {
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Labelled(labels)));
    }

    [Theory]
    [InlineData("a in ()")]
    [InlineData("a in (x")]
    [InlineData("=x")]
    [InlineData("a,,b")]
    public void Parse_Malformed_IsBadRequest(string selector)
    {
        StatusException e = Assert.Throws<StatusException>(() => LabelSelector.Parse(selector));
        Assert.Equal(400, e.Code);
    }
}
