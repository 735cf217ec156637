using System.Text.Json.Nodes;
using Ferry.ClusterSim.Schema;

namespace Ferry.Kube.Tests.Simulator.Schema;

/// <summary>The CEL subset used by <c>x-kubernetes-validations</c> rules.</summary>
public sealed class CelRuleTests
{
    [Theory]
    [InlineData("""{"s3":{}}""", "[has(self.s3), has(self.volume), has(self.sftp)].exists_one(x, x)", true)]
    [InlineData("""{"s3":{},"sftp":{}}""", "[has(self.s3), has(self.volume), has(self.sftp)].exists_one(x, x)", false)]
    [InlineData(""" "a/../b" """, "!self.matches('(^|/)[.][.](/|$)')", false)]
    [InlineData(""" "a/..b" """, "!self.matches('(^|/)[.][.](/|$)')", true)]
    [InlineData("""{"start":"b","end":"a"}""", "!has(self.start) || !has(self.end) || self.end == '' || self.start < self.end", false)]
    [InlineData("""{"start":"b","end":""}""", "!has(self.start) || !has(self.end) || self.end == '' || self.start < self.end", true)]
    [InlineData("""{"schedule":"x","interval":"1m"}""", "[has(self.schedule), has(self.interval)].filter(x, x).size() <= 1", false)]
    [InlineData("""{"d":[{"v":{"readOnly":false}},{"v":{}}]}""", "self.d.all(d, !has(d.v.readOnly) || !d.v.readOnly)", true)]
    [InlineData("""{"d":[{"v":{"readOnly":true}}]}""", "self.d.all(d, !has(d.v.readOnly) || !d.v.readOnly)", false)]
    [InlineData("""{"n":3}""", "has(self.n) ? self.n > 2 && self.n + 1 == 4 : false", true)]
    [InlineData("""{"n":3}""", "size(self) == 1 && 'n' in self", true)]
    public void Evaluate_Rule_GivesExpected(string self, string rule, bool expected)
    {
        var compiled = CelRule.TryCompile(rule);

        Assert.NotNull(compiled);
        Assert.Equal(expected, compiled.Evaluate(JsonNode.Parse(self), null));
    }

    [Fact]
    public void Evaluate_TransitionRule_ComparesWithOldSelf()
    {
        CelRule rule = CelRule.TryCompile("!(has(oldSelf.status) && has(oldSelf.status.startTime)) || self.spec == oldSelf.spec")!;
        var started = JsonNode.Parse("""{"spec":{"w":1},"status":{"startTime":"t"}}""");

        Assert.True(rule.UsesOldSelf);
        Assert.False(rule.Evaluate(JsonNode.Parse("""{"spec":{"w":2},"status":{"startTime":"t"}}"""), started));
        Assert.True(rule.Evaluate(JsonNode.Parse("""{"spec":{"w":1},"status":{"startTime":"t"}}"""), started));
        Assert.True(rule.Evaluate(JsonNode.Parse("""{"spec":{"w":2}}"""), JsonNode.Parse("""{"spec":{"w":1}}""")));
    }

    [Theory]
    [InlineData("self.x.exists(y, y > 1")]
    [InlineData("self.x @ 2")]
    [InlineData("int(self.x) > 1 && self.y.unknownMacro(z, z)")]
    public void TryCompile_OutsideSubset_IsNullOrSkipped(string rule)
    {
        var compiled = CelRule.TryCompile(rule);

        Assert.True(compiled is null || compiled.Evaluate(JsonNode.Parse("""{"x":1}"""), null) is null);
    }

    [Fact]
    public void Evaluate_AbsentField_IsSkippedNotFalse()
    {
        Assert.Null(CelRule.TryCompile("self.missing > 1")!.Evaluate(JsonNode.Parse("{}"), null));
    }

    [Fact]
    public void TryCompile_EveryRuleInTheRepositoryCrds_IsWithinTheSubset()
    {
        var rules = new List<string>();
        void Collect(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o["x-kubernetes-validations"] is JsonArray list)
                    {
                        rules.AddRange(list.Select(r => r!["rule"]!.GetValue<string>()));
                    }

                    foreach ((string _, JsonNode? v) in o)
                    {
                        Collect(v);
                    }

                    break;
                case JsonArray a:
                    foreach (JsonNode? v in a)
                    {
                        Collect(v);
                    }

                    break;
            }
        }

        foreach (string file in Directory.GetFiles(Path.Combine(TestFiles.RepoRoot, "crds"), "*.yaml"))
        {
            TestFiles.ReadYamlDocuments(file).ForEach(Collect);
        }

        Assert.NotEmpty(rules);
        Assert.All(rules, r => Assert.NotNull(CelRule.TryCompile(r)));
    }
}
