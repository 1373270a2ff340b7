using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Pipeline;

/// <summary>
/// What every step and landing of one run shares: the ports built for its request (the transport chosen once),
/// the runtime it reports to, the runner's facts, the clock, the log, the pure planner, the observers that hear
/// each phase, and the deployments' ledger (what a pull request's marker and a superseded pull request need).
/// </summary>
public sealed class RunContext(DeployPorts ports, IActionRuntime runtime, ActionContext action, TimeProvider time, ILogger logger, IRunObserver observer, IDeploymentLedger ledger)
{
    public DeployPorts Ports => ports;

    public IGitOpsRepository Repository => ports.Repository;

    public IActionRuntime Runtime => runtime;

    public ActionContext Action => action;

    public TimeProvider Time => time;

    public ILogger Logger => logger;

    public IRunObserver Observer => observer;

    public IDeploymentLedger Ledger => ledger;

    /// <summary>The pure planner: every commit this run makes opens its trailers with its <c>Deploy-Run</c> line.</summary>
    public DeployPlanner Planner { get; } = new(time, action.RunUrl, CommitMessage.RunTrailer(action));

    /// <summary>Out-of-order comparisons of source commits, cached for the run.</summary>
    public OutOfOrder Order { get; } = new(ports.SourceCommits, runtime, logger);
}
