using System.Text;
using GitOpsDeploy.Core.Deploy;
using GitOpsDeploy.Core.Images;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The orchestration against substitutes of our own ports.</summary>
public sealed class DeployRunnerTests
{
    private readonly IGitOpsWorkspace workspace = Substitute.For<IGitOpsWorkspace>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly List<IGitOpsCheckout> checkouts = [];

    private static DeployOptions Options(bool dryRun = false) => new()
    {
        GitOps = new GitOpsRemote(RemoteKind.Url, "https://git.example.com/acme/gitops.git", "acme/gitops"),
        Environment = "staging",
        OverlayPath = "environments/staging",
        Images = [ImageSpec.Parse("web:2")],
        Settings = [],
        Author = new CommitAuthor("bot", "bot@example.com"),
        DryRun = dryRun,
        PushAttempts = 3,
        RetryDelay = TimeSpan.FromMilliseconds(1),
    };

    private void Remote(string kustomization, params PushOutcome[] pushes)
    {
        var queue = new Queue<PushOutcome>(pushes);
        workspace.CheckoutAsync(Arg.Any<string?>(), Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            var checkout = Substitute.For<IGitOpsCheckout>();
            checkout.Branch.Returns("main");
            checkout.HeadSha.Returns($"base{checkouts.Count}");
            checkout.Tree.Returns(new RepoPathTests.InMemoryTree(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = kustomization }));
            checkout.Commit(default!, default!, default!, default).ReturnsForAnyArgs($"new{checkouts.Count}");
            checkout.Diff(default!, default!).ReturnsForAnyArgs("diff");
            checkout.PushAsync(default!, default!, default, default).ReturnsForAnyArgs(_ => queue.Dequeue());
            checkouts.Add(checkout);
            return checkout;
        });
    }

    private DeployRunner Runner() => new(workspace, null, null, null, null, runtime, ActionContext.None, TimeProvider.System, NullLogger<DeployRunner>.Instance);

    [Fact]
    public async Task Commits_and_pushes_a_change_once()
    {
        Remote("images:\n- name: web\n  newTag: \"1\"\n", PushOutcome.Pushed);
        var result = await Runner().RunAsync(Options(), default);

        Assert.Equal(DeployOperation.Pushed, result.Operation);
        Assert.Equal("new0", result.CommitSha);
        var change = Assert.Single(checkouts[0].ReceivedCalls(), c => c.GetMethodInfo().Name == "Commit").GetArguments()[0] as IReadOnlyList<FileChange>;
        Assert.Equal("images:\n- name: web\n  newTag: \"2\"\n", Encoding.UTF8.GetString(Assert.Single(change!).Content!));
        checkouts[0].Received(1).Dispose();
    }

    [Fact]
    public async Task Does_not_commit_when_nothing_changes()
    {
        Remote("images:\n- name: web\n  newTag: \"2\"\n");
        var result = await Runner().RunAsync(Options(), default);

        Assert.Equal(DeployOperation.None, result.Operation);
        checkouts[0].DidNotReceiveWithAnyArgs().Commit(default!, default!, default!, default);
    }

    [Fact]
    public async Task A_dry_run_never_pushes()
    {
        Remote("images:\n- name: web\n  newTag: \"1\"\n");
        var result = await Runner().RunAsync(Options(dryRun: true), default);

        Assert.Equal(DeployOperation.DryRun, result.Operation);
        Assert.Equal("diff", result.Diff);
        await checkouts[0].DidNotReceiveWithAnyArgs().PushAsync(default!, default!, default, default);
    }

    [Fact]
    public async Task A_lost_race_reclones_and_reapplies()
    {
        Remote("images:\n- name: web\n  newTag: \"1\"\n", PushOutcome.RejectedNonFastForward, PushOutcome.Pushed);
        var result = await Runner().RunAsync(Options(), default);

        Assert.Equal(2, checkouts.Count);
        Assert.Equal(2, result.Attempts);
        Assert.Equal("new1", result.CommitSha);
        checkouts[0].Received(1).Dispose();
    }

    [Fact]
    public async Task Gives_up_after_the_bounded_number_of_attempts()
    {
        Remote("images:\n- name: web\n  newTag: \"1\"\n", PushOutcome.RejectedNonFastForward, PushOutcome.RejectedNonFastForward, PushOutcome.RejectedNonFastForward);
        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(), default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Contains("gave up after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, checkouts.Count);
    }
}
