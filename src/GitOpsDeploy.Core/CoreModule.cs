using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Steps.ArgoCd;
using GitOpsDeploy.Core.Steps.Dora;
using GitOpsDeploy.Core.Steps.OutOfOrder;
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
        services.AddSingleton<IPlanStep, OutOfOrderStep>();
        // After out-of-order protection: the report describes the plan that will be written.
        // Its renderers come from the composition root, which holds the run's environment; without them it renders nothing.
        services.TryAddSingleton(RenderTools.None);
        services.AddSingleton<IPlanStep, ReportStep>();
        services.AddSingleton<IVerificationStep, ArgoCdWaitStep>();
        services.AddSingleton<IReportingStep, DoraStep>();
        // The runner's view of every step registered, by this module and by those of other projects.
        services.TryAddSingleton(provider => new RunSteps(
            [.. provider.GetServices<IPreparationStep>()], [.. provider.GetServices<IPlanStep>()], [.. provider.GetServices<IVerificationStep>()], [.. provider.GetServices<IReportingStep>()]));
        return services;
    }

    /// <summary>The steps <see cref="AddGitOpsCore"/> registers, for a run composed without a container (tests, benchmarks).</summary>
    /// <param name="renderers">The renderers the report step may run (<see cref="RenderTools.None"/>: none).</param>
    public static RunSteps BuiltInSteps(RenderTools renderers) => new([], [new OutOfOrderStep(), new ReportStep(renderers)], [new ArgoCdWaitStep()], [new DoraStep()]);
}
