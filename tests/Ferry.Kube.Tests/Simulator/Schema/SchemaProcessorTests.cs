using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Schema;

namespace Ferry.Kube.Tests.Simulator.Schema;

/// <summary>Defaulting, pruning and validation against the test CRD's schema.</summary>
public sealed class SchemaProcessorTests
{
    private static readonly JsonObject Schema = (JsonObject)TestFiles.ReadYaml(Path.Combine(TestFiles.TestData, "crds", "widgets.test.ferry.io.yaml"))
        ["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

    private static JsonObject Widget(string spec) => new()
    {
        ["apiVersion"] = "test.ferry.io/v1alpha1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = "w" },
        ["spec"] = JsonNode.Parse(spec),
    };

    [Fact]
    public void Process_AbsentFields_GetDefaults()
    {
        JsonObject obj = Widget("""{"source":{"s3":{"bucket":"b"}}}""");

        List<FieldError> errors = SchemaProcessor.Process(obj, Schema);

        Assert.Empty(errors);
        Assert.Equal(3, obj["spec"]!["size"]!.GetValue<long>());
        Assert.Equal("Careful", obj["spec"]!["mode"]!.GetValue<string>());
    }

    [Fact]
    public void Process_UnknownFields_ArePruned_UnlessPreserved()
    {
        JsonObject obj = Widget("""{"source":{"s3":{"bucket":"b","bogus":1}},"unknown":true,"extra":{"anything":{"goes":1}}}""");
        obj["topLevel"] = 1;

        List<FieldError> errors = SchemaProcessor.Process(obj, Schema);

        Assert.Empty(errors);
        Assert.Null(obj["topLevel"]);
        Assert.Null(obj["spec"]!["unknown"]);
        Assert.Null(obj["spec"]!["source"]!["s3"]!["bogus"]);
        Assert.Equal(1, obj["spec"]!["extra"]!["anything"]!["goes"]!.GetValue<int>());
        Assert.NotNull(obj["metadata"]);
    }

    [Theory]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"size":0}""", "spec.size", "greater than or equal to 1")]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"size":101}""", "spec.size", "less than or equal to 100")]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"size":"big"}""", "spec.size", "must be of type integer")]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"size":1.5}""", "spec.size", "must be of type integer")]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"mode":"Reckless"}""", "spec.mode", "Unsupported value")]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"name":"Has Caps"}""", "spec.name", "should match")]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"tags":["a","b","c"]}""", "spec.tags", "Too many")]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"limit":true}""", "spec.limit", "integer or string")]
    [InlineData("""{"size":2}""", "spec.source", "Required value")]
    [InlineData("""{"source":{}}""", "spec.source", "oneOf")]
    [InlineData("""{"source":{"s3":{"bucket":"b"},"volume":{"claimName":"c"}}}""", "spec.source", "oneOf")]
    [InlineData("""{"source":{"s3":{}}}""", "spec.source.s3.bucket", "Required value")]
    public void Process_InvalidSpec_ReportsField(string spec, string field, string message)
    {
        List<FieldError> errors = SchemaProcessor.Process(Widget(spec), Schema);

        Assert.Contains(errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"source":{"volume":{"claimName":"c"}},"limit":5}""")]
    [InlineData("""{"source":{"s3":{"bucket":"b"}},"limit":"50%","tags":["x"],"size":100,"mode":"Fast","name":"abc"}""")]
    public void Process_ValidSpec_HasNoErrors(string spec)
    {
        Assert.Empty(SchemaProcessor.Process(Widget(spec), Schema));
    }
}
