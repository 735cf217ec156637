using System.CommandLine;
using Ferry.SyncRunner.Cli;

namespace Ferry.SyncRunner.Tests.Cli;

public class MatchCommandTests
{
    [Fact]
    public void Invoke_IncludeAndExclude_PrintsOneLinePerKeyInOrder()
    {
        (int code, string? output, string? error) = Run("match", "--include", "*/", "--include", "*.c", "--exclude", "*", "--match-full-path",
            "--", "x.c", "a/b/y.c", "a/", "Makefile", "a/x.h");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(["x.c\tsync", "a/b/y.c\tsync", "a/\tsync", "Makefile\texclude", "a/x.h\texclude"], Lines(output));
    }

    [Theory]
    [InlineData(new[] { "--exclude", "a*", "--include", "ab*" }, "exclude")]
    [InlineData(new[] { "--include", "ab*", "--exclude", "a*" }, "sync")]
    [InlineData(new[] { "--exclude=a*", "--include=ab*" }, "exclude")]
    [InlineData(new[] { "--include=ab*", "--exclude=a*" }, "sync")]
    public void Invoke_RuleOrderAcrossOptions_IsPreserved(string[] rules, string expected)
    {
        (int code, string? output, string _) = Run(["match", "--match-full-path", .. rules, "--", "abc"]);

        Assert.Equal(0, code);
        Assert.Equal([$"abc\t{expected}"], Lines(output));
    }

    [Fact]
    public void Invoke_SameRuleRepeatedAroundAnother_KeepsAllThreeInOrder()
    {
        (int _, string? output, string _) = Run("match", "--match-full-path", "--include", "a", "--exclude", "*", "--include", "a", "--include", "b", "--", "a", "b", "c");

        Assert.Equal(["a\tsync", "b\texclude", "c\texclude"], Lines(output));
    }

    [Fact]
    public void Invoke_DefaultMode_IsLayerByLayer()
    {
        // The guide's example: the parent directory "some" is excluded by '*', so the include is never reached.
        (int _, string? layered, string _) = Run("match", "--include", "/some/path/this-file-will-not-be-synced", "--exclude", "*",
            "--", "some/path/this-file-will-not-be-synced");
        (int _, string? full, string _) = Run("match", "--match-full-path", "--include", "/some/path/this-file-will-not-be-synced", "--exclude", "*",
            "--", "some/path/this-file-will-not-be-synced");

        Assert.Equal(["some/path/this-file-will-not-be-synced\texclude"], Lines(layered));
        Assert.Equal(["some/path/this-file-will-not-be-synced\tsync"], Lines(full));
    }

    [Fact]
    public void Invoke_NoRules_SyncsEverything()
    {
        (int code, string? output, string _) = Run("match", "--", "a", "b/c/", "--include");

        Assert.Equal(0, code);
        Assert.Equal(["a\tsync", "b/c/\tsync", "--include\tsync"], Lines(output));
    }

    [Fact]
    public void Invoke_InvalidPattern_ExitsTwoWithOneLineReason()
    {
        (int code, string? output, string? error) = Run("match", "--include", "ok", "--exclude", "[abc", "--", "a");

        Assert.Equal(2, code);
        Assert.Equal("", output);
        string line = Assert.Single(Lines(error));
        Assert.Contains("'[abc'", line, StringComparison.Ordinal);
        Assert.Contains("unclosed '['", line, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var root = new RootCommand("test") { MatchCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
