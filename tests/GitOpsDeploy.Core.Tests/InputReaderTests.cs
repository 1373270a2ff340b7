using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Reading inputs by name: unset and blank alike, defaults from the catalogue, the spellings a boolean may take, bounds, URLs and the remote's forms.</summary>
[Trait("Tier", "Unit")]
public sealed class InputReaderTests
{
    private static InputReader Reader(params (string Name, string Value)[] inputs) => new(inputs.ToDictionary(i => i.Name, i => i.Value));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parsing_asks_for_every_catalogued_input(bool rollback)
    {
        // Two runs between them reach every input: promote-from and rollback exclude each other.
        var read = Reader(("gitops-repository", "acme/gitops"), ("environment", "staging"), ("images", "web"), ("argocd-server", "https://argo.example.com"),
            (rollback ? "rollback" : "promote-from", rollback ? "true" : "dev"));
        RequestParser.Parse(read, new ActionContext("https://github.example.com", "https://github.example.com/api/v3", "acme/app", null, null, true));

        Assert.Empty(InputCatalogue.InputNames.Except(read.Read).Except(rollback ? ["promote-from"] : ["rollback", "rollback-to"]));
    }

    [Fact]
    public void Reading_an_input_the_catalogue_does_not_know_is_a_bug_not_a_silent_default()
    {
        Assert.Throws<InvalidOperationException>(() => Reader().Optional("gitops-repo"));
        Assert.Throws<InvalidOperationException>(() => Reader(("gitops-repo", "x")).Given("gitops-repo"));
    }

    [Fact]
    public void Given_means_set_to_something_not_defaulted_or_blank()
    {
        var read = Reader(("environment", "staging"), ("images", "  \n"));

        Assert.True(read.Given("environment"));
        Assert.False(read.Given("images"));
        Assert.False(read.Given("argocd-timeout"));
        Assert.Equal("600", read.Optional("argocd-timeout"));
        Assert.Null(read.Optional("images"));
        Assert.Null(read.Optional("token"));
    }

    [Fact]
    public void Values_are_trimmed_and_a_required_one_unset_is_named() =>
        Assert.Equal(("staging", "input 'gitops-repository': is required"),
            (Reader(("environment", "  staging \n")).Required("environment"), Assert.Throws<DeployException>(() => Reader().Required("gitops-repository")).Message));

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("FALSE", false)]
    public void Booleans_take_the_spellings_actions_core_takes(string text, bool value) =>
        Assert.Equal(value, Reader(("verify-attestations", text)).Bool("verify-attestations"));

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("tRUE")]
    public void Other_spellings_are_refused(string text) =>
        Assert.Equal($"input 'verify-attestations': '{text}' is not a boolean; use true or false", Assert.Throws<DeployException>(() => Reader(("verify-attestations", text)).Bool("verify-attestations")).Message);

    [Theory]
    [InlineData("1", 1)]
    [InlineData("365", 365)]
    public void Whole_numbers_take_both_bounds(string text, int value) =>
        Assert.Equal(value, Reader(("dora-window", text)).Int("dora-window", 1, 365));

    [Theory]
    [InlineData("0")]
    [InlineData("366")]
    [InlineData("+5")]
    [InlineData("1e2")]
    public void Whole_numbers_outside_the_bounds_or_signed_are_refused(string text) =>
        Assert.Equal($"input 'dora-window': '{text}' is not a whole number from 1 to 365", Assert.Throws<DeployException>(() => Reader(("dora-window", text)).Int("dora-window", 1, 365)).Message);

    [Theory]
    [InlineData("http://git.internal/acme/gitops.git", RemoteKind.Url, "http://git.internal/acme/gitops.git")]
    [InlineData("https://git.example.com/acme/gitops.git", RemoteKind.Url, "https://git.example.com/acme/gitops.git")]
    [InlineData("file:///srv/git/gitops.git", RemoteKind.LocalPath, "/srv/git/gitops.git")]
    public void A_remote_url_is_a_url_or_a_local_path(string value, RemoteKind kind, string url)
    {
        var remote = GitOpsRemote.Parse(value, "https://git.example.com");

        Assert.Equal((kind, url, value), (remote.Kind, remote.Url, remote.Display));
    }

    [Theory]
    [InlineData("https://x-access-token:ghs_secret@git.example.com/acme/gitops.git", "the URL contains credentials; remove them and pass the token in gitops-token")]
    [InlineData("https://user@git.example.com/acme/gitops.git", "the URL contains credentials; remove them and pass the token in gitops-token")]
    [InlineData("ftp://git.example.com/acme/gitops.git", "the ftp scheme is not supported; use an https URL with gitops-token")]
    [InlineData("https://[::1/acme", "is not a valid URL")]
    public void A_remote_url_that_cannot_be_used_is_refused_without_echoing_it(string value, string message)
    {
        var error = Assert.Throws<DeployException>(() => GitOpsRemote.Parse(value, "https://git.example.com"));

        Assert.Equal("input 'gitops-repository': " + message, error.Message);
    }
}
