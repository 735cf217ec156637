using Ferry.Api;
using Ferry.Api.Serialization;
using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Tests.Jobs;

public sealed class UserInputTests
{
    public static TheoryData<Exception> UnusableInput() =>
    [
        new ArgumentException("no storage backend for 'ftp://'"),
        new FormatException("'s3://' is not an S3 URL"),
        new NotSupportedException("not on this platform"),
        new DirectoryNotFoundException("Could not find a part of the path '/x'."),
        new UnauthorizedAccessException("Access to the path '/x' is denied."),
        new StorageException(StorageErrorKind.AccessDenied, "403 on bucket b"),
    ];

    [Theory]
    [MemberData(nameof(UnusableInput))]
    public void Open_UnusableInput_IsAConfigurationException_WithTheSameMessage(Exception thrown)
    {
        var e = Assert.Throws<ConfigurationException>(() => UserInput.Open<int>(() => throw thrown));

        Assert.Equal(thrown.Message, e.Message);
        Assert.Same(thrown, e.InnerException);
    }

    [Fact]
    public async Task OpenAsync_UnusableInput_IsAConfigurationException()
    {
        var thrown = new FileNotFoundException("Could not find file '/m.yaml'.");

        var e = await Assert.ThrowsAsync<ConfigurationException>(() => UserInput.OpenAsync<string>(() => throw thrown));

        Assert.Same(thrown, e.InnerException);
    }

    [Fact]
    public void Open_ProgrammingErrors_AndConfigurationErrors_PassThroughUnchanged()
    {
        var bug = new InvalidOperationException("a bug");
        var missing = new ArgumentNullException("source");
        var manifest = new ManifestException("Document 0 is empty.", 0, 0);

        Assert.Same(bug, Assert.Throws<InvalidOperationException>(() => UserInput.Open<int>(() => throw bug)));
        Assert.Same(missing, Assert.Throws<ArgumentNullException>(() => UserInput.Open<int>(() => throw missing)));
        Assert.Same(manifest, Assert.Throws<ManifestException>(() => UserInput.Open<int>(() => throw manifest)));
        Assert.Equal(42, UserInput.Open(() => 42));
    }

    [Fact]
    public void TheUserErrorsOfEveryLayer_AreConfigurationExceptions()
    {
        Assert.IsAssignableFrom<ConfigurationException>(new ManifestException("x", 0, 0));
        Assert.IsAssignableFrom<ConfigurationException>(new FilterPatternException("[a", "unclosed '['"));
        Assert.IsAssignableFrom<ConfigurationException>(Assert.ThrowsAny<Exception>(() => FilterRuleSet.Create([FilterRule.Exclude("[abc")], false)));
    }
}
