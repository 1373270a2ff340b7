using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Steps.MetricAnalysis;
using GitOpsDeploy.Core.Steps.ArgoCd;
using GitOpsDeploy.Core.Steps.Attestations;
using GitOpsDeploy.Core.Steps.DigestPinning;
using GitOpsDeploy.Core.Steps.PinnedPlan;
using GitOpsDeploy.Core.Steps.Dora;
using GitOpsDeploy.Core.Steps.Freeze;
using GitOpsDeploy.Core.Steps.OutOfOrder;
using GitOpsDeploy.Core.Steps.Pushgateway;
using GitOpsDeploy.Core.Steps.Report;
using GitOpsDeploy.Manifests.Render;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsDeploy.Core;

/// <summary>
/// The built-in steps of a run, each in its own folder under Steps/. A new step is a class in a new folder and
/// one line here (or in the module of the project that brings it); the runner takes them in registration order.
/// </summary>
public static class CoreModule
{
    public static IServiceCollection AddGitOpsCore(this IServiceCollection services)
    {
        // The supply-chain gate: digests pinned, then their attestations verified, before anything is read.
        services.AddSingleton<IPreparationStep, DigestPinningStep>();
        services.AddSingleton<IPreparationStep, AttestationStep>();
        services.AddSingleton<IPlanStep, PinnedPlanStep>();
        services.AddSingleton<IPlanStep, OutOfOrderStep>();
        // After out-of-order protection, which may plan again: the freeze judges (and its trailer marks) the final plan.
        services.AddSingleton<IPlanStep, FreezeStep>();
        // A template that cannot be run refuses the deploy before anything is written, not after it landed.
        services.AddSingleton<IPlanStep, AnalysisTemplateCheckStep>();
        // First: Argo CD looks at git as soon as the commit is there, for every target, before any wait.
        services.AddSingleton<IVerificationStep, ArgoCdRefreshStep>();
        // After out-of-order protection: the report describes the plan that will be written.
        // Its renderers come from the composition root, which holds the run's environment; without them it renders nothing.
        services.TryAddSingleton(RenderTools.None);
        services.AddSingleton<IPlanStep, ReportStep>();
        services.AddSingleton<IVerificationStep, ArgoCdWaitStep>();
        // After the wait: metrics are judged only once Argo CD runs the change, Synced and Healthy.
        services.AddSingleton<IVerificationStep, MetricAnalysisStep>();
        services.AddSingleton<IReportingStep, DoraStep>();
        // After every step that measures: one push per environment carries all of it.
        services.AddSingleton<IReportingStep, PushgatewayStep>();
        // The runner's view of every step registered, by this module and by those of other projects.
        services.TryAddSingleton(provider => new RunSteps(
            [.. provider.GetServices<IPreparationStep>()], [.. provider.GetServices<IPlanStep>()], [.. provider.GetServices<IVerificationStep>()], [.. provider.GetServices<IReportingStep>()]));
        return services;
    }
}
