using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Steps.ArgoCd;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The Argo CD wait as a verification step: healthy at our commit or a later one of the branch, unhealthy otherwise, the latency from the landing.</summary>
[Trait("Tier", "Unit")]
public sealed class ArgoCdWaitStepTests
{
    private const string Ours = "base0000000000000000000000000000000000000";
    private static readonly DateTimeOffset Landed = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly IArgoCd argo = Substitute.For<IArgoCd>();
    private readonly Doubles.VirtualTime time = new(Landed);
    private readonly Doubles.RecordingLogger logger = new();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private Pipeline.RunContext? run;

    private Task<TargetResult> Verify(Doubles.MemoryGitOps git, string timeout = "30", DateTimeOffset? landedAt = null, bool landed = true)
    {
        var request = Doubles.TestRequests.Parse(("argocd-server", "https://argocd.example.com"), ("argocd-timeout", timeout));
        run = Doubles.TestRequests.Run(new DeployPorts(git) { ArgoCd = argo }, time, logger, runtime);
        var target = new TargetResult(request.Targets[0], new OverlayEdit("environments/staging", null, [], [], []));
        var result = new DeployResult(new DeployOutcome.Pushed(Ours, true), [target], "main", new string('0', 40)) { LandedAt = landed ? landedAt ?? Landed : null };
        return new ArgoCdWaitStep().VerifyAsync(run, request, result, target, default);
    }

    private static Doubles.MemoryGitOps Branch(string head, params string[] below) =>
        new(new Dictionary<string, string>()) { HeadOf = _ => head, Below = below };

    [Fact]
    public async Task Synced_and_healthy_at_our_commit_passes_with_its_latency()
    {
        argo.GetAsync("app-staging", Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            time.Advance(TimeSpan.FromSeconds(12));
            return new ArgoAppStatus("Synced", Ours, "Healthy", null, null, null);
        });

        var target = await Verify(Branch(Ours));

        Assert.True(target.Argo!.Healthy);
        Assert.Equal(12, target.Latency!.CommitToHealthySeconds);
        await run!.Observer.Received(1).ProgressAsync(target.Target, "Waiting for Argo CD application app-staging to sync base000", Arg.Any<CancellationToken>());
        runtime.Received(1).Group("Wait for Argo CD application app-staging (up to 30 s)");
        Assert.Contains("Argo CD: " + target.Argo.Reason, logger.Lines);
        Assert.Contains("Argo CD app-staging: " + target.Latency.Text(), logger.Lines);
    }

    [Fact]
    public async Task Without_a_landing_time_there_is_no_latency_to_say()
    {
        argo.GetAsync(default!, default, default).ReturnsForAnyArgs(new ArgoAppStatus("Synced", Ours, "Healthy", null, null, null));

        var target = await Verify(Branch(Ours), landed: false);

        Assert.True(target.Argo!.Healthy);
        Assert.Null(target.Latency);
        Assert.Equal(["Argo CD: " + target.Argo.Reason], logger.Lines.Where(l => !l.StartsWith("Argo CD app-staging: sync ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_later_commit_of_the_branch_running_counts_as_ours()
    {
        const string later = "later000000000000000000000000000000000000";
        argo.GetAsync(default!, default, default).ReturnsForAnyArgs(new ArgoAppStatus("Synced", later, "Healthy", null, null, null));

        var target = await Verify(Branch(later, Ours));

        Assert.True(target.Argo!.Healthy);
    }

    [Fact]
    public async Task An_older_commit_running_is_not_ours_and_the_wait_times_out_unhealthy()
    {
        const string older = "older000000000000000000000000000000000000";
        argo.GetAsync(default!, default, default).ReturnsForAnyArgs(_ =>
        {
            time.Advance(TimeSpan.FromSeconds(5));
            return new ArgoAppStatus("Synced", older, "Healthy", null, null, null);
        });

        var error = await Assert.ThrowsAsync<DeployException>(() => Verify(Branch(Ours, older)));

        Assert.Equal(ErrorKind.Unhealthy, error.Kind);
        Assert.StartsWith("Argo CD: app-staging did not become Synced and Healthy at base000 within 30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Degraded_fails_the_target_with_argo_cds_message()
    {
        argo.GetAsync(default!, default, default).ReturnsForAnyArgs(new ArgoAppStatus("Synced", Ours, "Degraded", "CrashLoopBackOff", null, null));

        var error = await Assert.ThrowsAsync<DeployException>(() => Verify(Branch(Ours)));

        Assert.Equal("Argo CD: app-staging is Degraded at base000: CrashLoopBackOff", error.Message);
    }

    [Fact]
    public async Task A_zero_timeout_only_refreshes_and_does_not_wait()
    {
        var target = await Verify(Branch(Ours), timeout: "0");

        Assert.Null(target.Argo);
        await argo.DidNotReceiveWithAnyArgs().GetAsync(default!, default, default);
    }
}
