using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Verification;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class ArgoCdWaitTests
{
    [Fact]
    public async Task Asks_whether_a_foreign_revision_descends_from_ours_once_per_revision()
    {
        var argo = Substitute.For<IArgoCd>();
        argo.GetAsync(default!, default, default).ReturnsForAnyArgs(
            new ArgoAppStatus("OutOfSync", "old", "Healthy", null, null, null),
            new ArgoAppStatus("OutOfSync", "old", "Healthy", null, null, null),
            new ArgoAppStatus("OutOfSync", "old", "Healthy", null, null, null),
            new ArgoAppStatus("Synced", "ours", "Healthy", null, null, null));
        var asked = new List<string>();
        var options = new ArgoCdOptions("http://argo", null, "web-staging", TimeSpan.FromSeconds(30), false);

        var outcome = await new ArgoCdWait(argo, new ZeroDelayTime(), NullLogger.Instance).WaitAsync(options, "ours", revision =>
        {
            asked.Add(revision);
            return Task.FromResult(false);
        }, default);

        Assert.True(outcome.Healthy);
        Assert.Equal(["old"], asked);
    }

    /// <summary>Real clock for deadlines, but delays that end at once.</summary>
    private sealed class ZeroDelayTime : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}
