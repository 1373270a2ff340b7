using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Runs;
using GitOpsDeploy.Core.Steps.Freeze;
using GitOpsDeploy.Core.Tests.Doubles;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The freeze calendar as a plan step: sync windows and the freeze file read from the gitops repository at the planned commit.</summary>
[Trait("Tier", "Unit")]
public sealed class FreezeStepTests
{
    private const string Overlay = "images:\n- name: web\n  newTag: \"1\"\n";

    /// <summary>Deny 22:00-24:00 UTC every day for web-production; allow the rest.</summary>
    private const string Project = """
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata:
          name: shop
        spec:
          syncWindows:
            - kind: deny
              schedule: "0 22 * * *"
              duration: 2h
              applications: ["web-*"]
        """;

    private const string Freeze = """
        freezes:
          - environments: [production]
            by: "@alice"
            reason: "INC-4711: payments outage"
            from: 2025-03-10T08:00:00Z
            until: 2025-03-12T18:00:00Z
        """;

    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly IDeployments deployments = Substitute.For<IDeployments>();

    public FreezeStepTests() => deployments.CreateAsync(default!, default).ReturnsForAnyArgs(new DeploymentInfo(7, "u"));

    private static MemoryGitOps Remote(params (string Path, string Text)[] extra)
    {
        var files = new Dictionary<string, string> { ["environments/production/kustomization.yaml"] = Overlay, ["environments/staging/kustomization.yaml"] = Overlay };
        foreach (var (path, text) in extra)
        {
            files[path] = text;
        }

        return new MemoryGitOps(files);
    }

    private DeployRunner Runner(MemoryGitOps git, DateTimeOffset now, IRunProofs? proofs = null) =>
        new(new DeployPorts(git) { Deployments = deployments, Proofs = proofs }, runtime, TestRequests.Context, new FixedTime(now), NullLogger<DeployRunner>.Instance,
            new RunSteps([], [new FreezeStep()], [], []));

    private static Core.Requests.DeployRequest Production(params (string Name, string Value)[] inputs) =>
        TestRequests.Parse([("environment", "production"), ("source-repository", "acme/web"), .. inputs]);

    [Fact]
    public async Task An_active_deny_window_refuses_the_commit_with_the_next_time_argo_cd_would_sync()
    {
        var git = Remote(("argocd/shop.yaml", Project));
        var result = await Runner(git, At("2025-03-10T22:30:00Z")).RunAsync(Production(("sync-windows", "argocd/shop.yaml")), default);

        var refused = Assert.IsType<DeployOutcome.Refused>(result.Outcome);
        Assert.StartsWith("policy freeze: production blocked until 2025-03-11T00:00:00Z", refused.Reason.Message, StringComparison.Ordinal);
        Assert.Contains("override-freeze", refused.Reason.Message, StringComparison.Ordinal);
        Assert.Empty(git.Drafts);
        // The deployment says so, and does not stay in progress: inactive, so DORA does not count it as a failed change.
        await deployments.Received(1).SetStatusAsync(7, Arg.Is<DeploymentStatus>(s => s.State == DeploymentState.Inactive && s.Description.StartsWith("Blocked until 2025-03-11T00:00:00Z", StringComparison.Ordinal)), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Outside_the_deny_window_the_commit_goes_through_unmarked()
    {
        var git = Remote(("argocd/shop.yaml", Project));
        var result = await Runner(git, At("2025-03-10T21:59:59Z")).RunAsync(Production(("sync-windows", "argocd/shop.yaml")), default);

        Assert.Equal(DeployOperation.Pushed, result.Operation);
        Assert.DoesNotContain(FreezeStep.OverrideTrailer, Assert.Single(git.Drafts).Message, StringComparison.Ordinal);
        Assert.Null(result.Targets[0].FreezeOverride);
    }

    [Fact]
    public async Task The_freeze_file_stops_the_environments_it_names_only()
    {
        var git = Remote((".gitops-deploy/freeze.yaml", Freeze));
        var frozen = await Runner(git, At("2025-03-11T09:00:00Z")).RunAsync(Production(), default);
        var other = await Runner(git, At("2025-03-11T09:00:00Z")).RunAsync(TestRequests.Parse(), default);

        var refused = Assert.IsType<DeployOutcome.Refused>(frozen.Outcome);
        Assert.Contains("blocked until 2025-03-12T18:00:00Z", refused.Reason.Message, StringComparison.Ordinal);
        Assert.Contains("@alice", refused.Reason.Message, StringComparison.Ordinal);
        Assert.Contains("INC-4711", refused.Reason.Message, StringComparison.Ordinal);
        Assert.EndsWith("; nothing was written (override-freeze: <reason> deploys anyway, only in a job with environment: production)", refused.Reason.Message, StringComparison.Ordinal);
        Assert.Equal(DeployOperation.Pushed, other.Operation);
        Assert.Single(git.Drafts);
    }

    [Fact]
    public async Task Sync_windows_and_the_freeze_file_combine_into_one_until()
    {
        // The freeze ends at 18:00 on the 12th, but Argo CD may not sync from 22:00 then: the deny window rules until midnight.
        var freeze = Freeze.Replace("2025-03-12T18:00:00Z", "2025-03-12T23:00:00Z", StringComparison.Ordinal);
        var git = Remote(("argocd/shop.yaml", Project), (".gitops-deploy/freeze.yaml", freeze));
        var result = await Runner(git, At("2025-03-11T09:00:00Z")).RunAsync(Production(("sync-windows", "argocd/shop.yaml")), default);

        Assert.Contains("blocked until 2025-03-13T00:00:00Z", Assert.IsType<DeployOutcome.Refused>(result.Outcome).Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Override_in_the_production_environment_job_goes_through_with_a_trailer()
    {
        var git = Remote((".gitops-deploy/freeze.yaml", Freeze));
        var result = await Runner(git, At("2025-03-11T09:00:00Z"), Proofs("production"))
            .RunAsync(Production(("override-freeze", "hotfix for INC-4711, approved by @bob")), default);

        Assert.Equal(DeployOperation.Pushed, result.Operation);
        Assert.EndsWith("\nFreeze-Override: hotfix for INC-4711, approved by @bob\n", Assert.Single(git.Drafts).Message, StringComparison.Ordinal);
        Assert.StartsWith("hotfix for INC-4711, approved by @bob (overrode: blocked until 2025-03-12T18:00:00Z", result.Targets[0].FreezeOverride, StringComparison.Ordinal);
        runtime.Received(1).Warning(Arg.Is<string>(w => w.StartsWith("override-freeze:", StringComparison.Ordinal)), Arg.Any<Editing.SourceLocation?>());
    }

    [Fact]
    public async Task Of_several_targets_only_the_frozen_one_carries_the_override()
    {
        var git = Remote((".gitops-deploy/freeze.yaml", Freeze));
        var request = Production(("environment", "staging\nproduction"), ("overlay-path", "environments/{{ environment }}"), ("override-freeze", "hotfix"));

        var result = await Runner(git, At("2025-03-11T09:00:00Z"), Proofs("production")).RunAsync(request, default);

        Assert.Equal(DeployOperation.Pushed, result.Operation);
        Assert.Null(result.Targets.Single(t => t.Target.Environment == "staging").FreezeOverride);
        Assert.StartsWith("hotfix (overrode: blocked until", result.Targets.Single(t => t.Target.Environment == "production").FreezeOverride, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_calendar_warning_is_shown_once_however_many_targets_read_the_file()
    {
        var quiet = Project.Replace("applications: [\"web-*\"]", "applications: []", StringComparison.Ordinal);
        var git = Remote(("argocd/shop.yaml", quiet));
        var request = Production(("environment", "staging\nproduction"), ("overlay-path", "environments/{{ environment }}"), ("sync-windows", "argocd/shop.yaml"));

        var result = await Runner(git, At("2025-03-10T22:30:00Z")).RunAsync(request, default);

        Assert.Equal(DeployOperation.Pushed, result.Operation);
        runtime.Received(1).Warning(Arg.Is<string>(w => w.Contains("the window applies to no application", StringComparison.Ordinal)), Arg.Any<Editing.SourceLocation?>());
    }

    [Theory]
    [InlineData("argocd/missing.yaml", "staging: input 'sync-windows': 'argocd/missing.yaml' is not in the gitops repository", null)]
    [InlineData("argocd/broken.yaml", "staging: ", "argocd/broken.yaml")]
    public async Task With_several_targets_a_calendar_refusal_names_the_target_and_keeps_the_place(string path, string start, string? file)
    {
        var git = Remote(("argocd/broken.yaml", "kind: AppProject\nmetadata: [\n"));
        var request = Production(("environment", "staging\nproduction"), ("overlay-path", "environments/{{ environment }}"), ("sync-windows", path));

        var result = await Runner(git, At("2025-03-10T22:30:00Z")).RunAsync(request, default);

        var refused = Assert.IsType<DeployOutcome.Refused>(result.Outcome);
        Assert.StartsWith(start, refused.Reason.Message, StringComparison.Ordinal);
        Assert.Equal(file, refused.Reason.Location?.File);
        Assert.Empty(git.Drafts);
    }

    [Fact]
    public async Task Two_frozen_targets_are_named_in_one_refusal()
    {
        var freeze = Freeze.Replace("environments: [production]", "environments: [production, staging]", StringComparison.Ordinal);
        var git = Remote((".gitops-deploy/freeze.yaml", freeze));
        var request = Production(("environment", "staging\nproduction"), ("overlay-path", "environments/{{ environment }}"));

        var result = await Runner(git, At("2025-03-11T09:00:00Z")).RunAsync(request, default);

        var message = Assert.IsType<DeployOutcome.Refused>(result.Outcome).Reason.Message;
        Assert.Matches("^policy freeze: staging blocked until [^;]+; production blocked until [^;]+; nothing was written \\(staging is not a production environment, so override-freeze cannot deploy through its freeze\\)$", message);
    }

    [Theory]
    [InlineData(null, "this job has no environment")]
    [InlineData("staging", "this job's environment is 'staging', not production")]
    public async Task Override_without_the_production_job_environment_is_refused_and_says_why(string? jobEnvironment, string why)
    {
        var git = Remote((".gitops-deploy/freeze.yaml", Freeze));
        var result = await Runner(git, At("2025-03-11T09:00:00Z"), Proofs(jobEnvironment)).RunAsync(Production(("override-freeze", "please")), default);

        var refused = Assert.IsType<DeployOutcome.Refused>(result.Outcome);
        Assert.Contains("override-freeze is not honoured here: " + why, refused.Reason.Message, StringComparison.Ordinal);
        Assert.Empty(git.Drafts);
    }

    [Fact]
    public async Task Override_of_a_non_production_environment_is_refused()
    {
        var freeze = Freeze.Replace("[production]", "[staging]", StringComparison.Ordinal);
        var git = Remote((".gitops-deploy/freeze.yaml", freeze));
        var result = await Runner(git, At("2025-03-11T09:00:00Z"), Proofs("staging")).RunAsync(TestRequests.Parse(("override-freeze", "please")), default);

        Assert.Contains("staging is not a production environment", Assert.IsType<DeployOutcome.Refused>(result.Outcome).Reason.Message, StringComparison.Ordinal);
        Assert.Empty(git.Drafts);
    }

    [Fact]
    public async Task The_application_manifest_beside_the_project_says_where_it_deploys()
    {
        const string folder = """
            apiVersion: argoproj.io/v1alpha1
            kind: AppProject
            metadata: {name: shop}
            spec:
              syncWindows:
                - kind: deny
                  schedule: "0 22 * * *"
                  duration: 2h
                  namespaces: ["payments-*"]
            ---
            apiVersion: argoproj.io/v1alpha1
            kind: AppProject
            metadata: {name: other}
            spec: {}
            """;
        const string app = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: web-production}
            spec:
              project: shop
              destination: {server: "https://kubernetes.default.svc", namespace: payments-eu}
            """;
        var git = Remote(("argocd/projects.yaml", folder), ("argocd/web-production.yaml", app));
        var blocked = await Runner(git, At("2025-03-10T22:30:00Z")).RunAsync(Production(("sync-windows", "argocd")), default);
        var otherNamespace = Remote(("argocd/projects.yaml", folder), ("argocd/web-production.yaml", app.Replace("payments-eu", "shop", StringComparison.Ordinal)));
        var allowed = await Runner(otherNamespace, At("2025-03-10T22:30:00Z")).RunAsync(Production(("sync-windows", "argocd")), default);

        Assert.Contains("blocked until 2025-03-11T00:00:00Z", Assert.IsType<DeployOutcome.Refused>(blocked.Outcome).Reason.Message, StringComparison.Ordinal);
        Assert.Equal(DeployOperation.Pushed, allowed.Operation);
    }

    [Fact]
    public async Task A_namespace_window_without_the_application_manifest_is_refused_at_its_line()
    {
        var git = Remote(("argocd/shop.yaml", Project.Replace("applications: [\"web-*\"]", "namespaces: [\"payments\"]", StringComparison.Ordinal)));
        var result = await Runner(git, At("2025-03-10T12:00:00Z")).RunAsync(Production(("sync-windows", "argocd/shop.yaml")), default);

        var refused = Assert.IsType<DeployOutcome.Refused>(result.Outcome);
        Assert.Equal("argocd/shop.yaml:7:1", refused.Reason.Location?.ToString());
        Assert.Contains("no Application manifest named 'web-production'", refused.Reason.Message, StringComparison.Ordinal);
        Assert.Empty(git.Drafts);
        await deployments.DidNotReceiveWithAnyArgs().CreateAsync(default!, default);
    }

    [Fact]
    public async Task A_calendar_file_argo_cd_would_refuse_is_named_with_its_line()
    {
        var git = Remote(("argocd/shop.yaml", Project.Replace("duration: 2h", "duration: 1d", StringComparison.Ordinal)));
        var result = await Runner(git, At("2025-03-10T12:00:00Z")).RunAsync(Production(("sync-windows", "argocd/shop.yaml")), default);

        var refused = Assert.IsType<DeployOutcome.Refused>(result.Outcome);
        Assert.Equal("argocd/shop.yaml:9:1", refused.Reason.Location?.ToString());
        Assert.Contains("duration", refused.Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_sync_windows_path_is_refused_not_ignored()
    {
        var result = await Runner(Remote(), At("2025-03-10T12:00:00Z")).RunAsync(Production(("sync-windows", "argocd/nope.yaml")), default);

        Assert.Contains("input 'sync-windows': 'argocd/nope.yaml' is not in the gitops repository", Assert.IsType<DeployOutcome.Refused>(result.Outcome).Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollback_is_never_held_by_a_freeze()
    {
        var step = new FreezeStep();
        var git = Remote((".gitops-deploy/freeze.yaml", Freeze));
        var request = Production(("rollback", "true"), ("images", ""));
        using var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);
        var plan = new PlanOutcome.Write("sha", [], [], "m");

        var context = TestRequests.Run(new DeployPorts(git), new FixedTime(At("2025-03-11T09:00:00Z")), runtime: runtime);
        Assert.Same(plan, await step.ApplyAsync(context, snapshot, request, plan, default));
    }

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>This job's ID tokens: verified, with <paramref name="environment"/> as GitHub's environment claim.</summary>
    private static IRunProofs Proofs(string? environment)
    {
        var proofs = Substitute.For<IRunProofs>();
        proofs.Unavailable.Returns((string?)null);
        proofs.ProveAsync(FreezeStep.OverrideAudience, Arg.Any<CancellationToken>()).Returns(new RunProof("jwt", DateTimeOffset.MaxValue));
        proofs.CheckAsync("jwt", FreezeStep.OverrideAudience, Arg.Any<CancellationToken>())
            .Returns(new ProofCheck.Verified(new RunClaims("acme/web", "acme", "sha", 1, DateTimeOffset.MinValue, DateTimeOffset.MaxValue) { Environment = environment }));
        return proofs;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
