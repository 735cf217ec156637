using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Ferry.Kube.Tests.Simulator;

/// <summary>Locates the repository (the directory holding Operator.sln) and the simulator's test data.</summary>
internal static class TestFiles
{
    public static string RepoRoot { get; } = FindRoot();

    public static string TestData => Path.Combine(RepoRoot, "tests", "Ferry.Kube.Tests", "Simulator", "TestData");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Operator.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Every YAML document in <paramref name="path"/>, as JSON.</summary>
    public static List<JsonObject> ReadYamlDocuments(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return stream.Documents.Select(d => JsonNode.Parse(Convert(d.RootNode)?.ToJsonString() ?? "null")).OfType<JsonObject>().ToList();
    }

    public static JsonObject ReadYaml(string path) => ReadYamlDocuments(path).Single();

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(Convert).ToArray()),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } p => Scalar(p.Value ?? ""),
        YamlScalarNode q => JsonValue.Create(q.Value ?? ""),
        _ => null,
    };

    private static JsonNode? Scalar(string text) =>
        text is "" or "~" or "null" ? null
        : text is "true" or "false" ? JsonValue.Create(text == "true")
        : long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long l) ? JsonValue.Create(l)
        : double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) && char.IsDigit(text[^1]) ? JsonValue.Create(d)
        : JsonValue.Create(text);
}
