using System.Text.RegularExpressions;
using GitOpsDeploy.Core.Deploy;
using GitOpsDeploy.Core.Images;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Yaml;

namespace GitOpsDeploy.Core.Inputs;

public enum DeployMode
{
    Push,
    PullRequest,
    Merge,
    AutoMerge,
}

/// <summary>Everything a deploy run needs, validated. Built from inputs by <see cref="Parse"/> only.</summary>
public sealed partial record DeployOptions
{
    public const string BotName = "github-actions[bot]";
    public const string BotEmail = "41898282+github-actions[bot]@users.noreply.github.com";

    public static readonly IReadOnlyDictionary<string, DeployMode> Modes = new Dictionary<string, DeployMode>
    {
        ["push"] = DeployMode.Push,
        ["pull-request"] = DeployMode.PullRequest,
        ["merge"] = DeployMode.Merge,
        ["auto-merge"] = DeployMode.AutoMerge,
    };

    public required GitOpsRemote GitOps { get; init; }

    public string? GitOpsToken { get; init; }

    public required string Environment { get; init; }

    public required string OverlayPath { get; init; }

    public required IReadOnlyList<ImageSpec> Images { get; init; }

    public required IReadOnlyList<ValueSetting> Settings { get; init; }

    public string? BaseBranch { get; init; }

    public DeployMode Mode { get; init; } = DeployMode.Push;

    public string? CommitMessageTemplate { get; init; }

    public required CommitAuthor Author { get; init; }

    public bool DryRun { get; init; }

    public string? SourceRepository { get; init; }

    public string? SourceSha { get; init; }

    /// <summary>How many times a push that lost a race is re-done from a fresh clone.</summary>
    public int PushAttempts { get; init; } = 5;

    /// <summary>Base of the jittered exponential backoff between push attempts.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The secrets of this run, to be masked before anything is logged.</summary>
    public IEnumerable<string> Secrets => new[] { GitOpsToken }.OfType<string>();

    public static DeployOptions Parse(IReadOnlyDictionary<string, string> inputs, ActionContext context)
    {
        var read = new InputReader(inputs);
        var environment = read.Required("environment");
        if (!EnvironmentName().IsMatch(environment) || environment is "." or "..")
        {
            throw DeployException.Input("environment", $"'{environment}' may only contain letters, digits, '-', '_' and '.' (no path separators)");
        }

        var serverUrl = context.ServerUrl;
        var repository = read.Required("gitops-repository");
        if (serverUrl is null && !repository.Contains("://", StringComparison.Ordinal) && LooksLikeOwnerName().IsMatch(repository) && !Directory.Exists(repository))
        {
            throw DeployException.Input("gitops-repository", $"'{repository}' is owner/name but GITHUB_SERVER_URL is not set; give a URL or a local path");
        }

        var images = ImageSpec.ParseList(read.Optional("images"));
        var settings = ValueSetting.ParseList(read.Optional("set"));
        if (images.Count == 0 && settings.Count == 0)
        {
            throw DeployException.Input("images", "nothing to deploy: give 'images' and/or 'set'");
        }

        var mode = read.Choice("mode", DeployMode.Push, Modes);
        if (mode != DeployMode.Push)
        {
            throw DeployException.Input("mode", $"'{read.Optional("mode")}' is not available yet; only 'push' is supported in this version");
        }

        var baseBranch = read.Optional("base-branch");
        if (baseBranch is not null && !IsValidBranch(baseBranch))
        {
            throw DeployException.Input("base-branch", $"'{baseBranch}' is not a valid branch name");
        }

        var template = read.Optional("commit-message");
        MessageTemplate.Validate(template, CommitMessage.Placeholders, "commit-message");
        var authorName = read.Optional("author-name") ?? BotName;
        var authorEmail = read.Optional("author-email") ?? BotEmail;
        if (authorName.Any(char.IsControl) || authorEmail.Any(char.IsControl) || authorEmail.Contains('<', StringComparison.Ordinal) || authorEmail.Contains('>', StringComparison.Ordinal))
        {
            throw DeployException.Input("author-email", "author name and email may not contain control characters or angle brackets");
        }

        var sourceSha = read.Optional("source-sha") ?? context.Sha;
        if (sourceSha is not null && !Sha().IsMatch(sourceSha))
        {
            throw DeployException.Input("source-sha", $"'{sourceSha}' is not a commit sha");
        }

        return new DeployOptions
        {
            GitOps = GitOpsRemote.Parse(repository, serverUrl ?? string.Empty),
            GitOpsToken = read.Optional("gitops-token"),
            Environment = environment,
            OverlayPath = read.Optional("overlay-path") ?? $"environments/{environment}",
            Images = images,
            Settings = settings,
            BaseBranch = baseBranch,
            Mode = mode,
            CommitMessageTemplate = template,
            Author = new CommitAuthor(authorName, authorEmail),
            DryRun = read.Bool("dry-run", false),
            SourceRepository = read.Optional("source-repository") ?? context.Repository,
            SourceSha = sourceSha,
        };
    }

    /// <summary>git check-ref-format rules that matter for a branch typed into a workflow.</summary>
    public static bool IsValidBranch(string name) =>
        name.Length <= 250 && !name.StartsWith('-') && !name.StartsWith('/') && !name.EndsWith('/') && !name.EndsWith(".lock", StringComparison.Ordinal)
        && !name.EndsWith('.') && !name.Contains("..", StringComparison.Ordinal) && !name.Contains("//", StringComparison.Ordinal)
        && !name.Contains("@{", StringComparison.Ordinal) && name != "@" && !name.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\');

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")]
    private static partial Regex LooksLikeOwnerName();

    [GeneratedRegex("^[0-9a-f]{7,64}$")]
    private static partial Regex Sha();
}
