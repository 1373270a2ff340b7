using System.Runtime.CompilerServices;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Manifests.Render;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.Report;

/// <summary>
/// The promotion report as a plan step: for every target of a plan that writes (or finds nothing to write), what the
/// change does to the workloads, which source commits ship and how the rendered manifests change
/// (<see cref="TargetReporter"/>). It refuses, before anything is written, an image edit that changes no container,
/// a target that does not render when require-render asks, and a change that is not the plan expected-plan names.
/// </summary>
/// <param name="renderers">The renderers found by the composition root in the run's environment (PATH, HELM_PATH).</param>
internal sealed class ReportStep(RenderTools renderers) : IPlanStep
{
    /// <summary>One cache per run: a retried attempt does not compare or render the same inputs again.</summary>
    private readonly ConditionalWeakTable<RunContext, ReportCache> caches = [];

    public async Task<PlanOutcome> ApplyAsync(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome plan, CancellationToken cancellationToken)
    {
        if (plan is not (PlanOutcome.Write or PlanOutcome.NothingToDo))
        {
            return plan;
        }

        var reporter = new TargetReporter(run, snapshot, request, caches.GetValue(run, _ => new ReportCache()), renderers);
        var edits = new List<TargetEdit>();
        using (run.Runtime.Group("Promotion report"))
        {
            foreach (var edit in plan.Edits)
            {
                TargetReport report;
                try
                {
                    report = await reporter.BuildAsync(edit, cancellationToken);
                }
                catch (DeployException e) when (e.Kind == ErrorKind.InvalidInput)
                {
                    return new PlanOutcome.Refused(e, edit.Target.Environment);
                }

                Log(run, report);
                edits.Add(edit with { Report = report });
            }
        }

        if (request.Review.ExpectedPlan is { } expected)
        {
            var refusal = Bound(run, snapshot, edits, expected);
            if (refusal is not null)
            {
                return new PlanOutcome.Refused(refusal, edits[0].Target.Environment);
            }
        }

        return plan switch
        {
            PlanOutcome.Write write => new PlanOutcome.Write(write.BaseSha, edits, write.Files, write.Message),
            _ => new PlanOutcome.NothingToDo(((PlanOutcome.NothingToDo)plan).BaseSha, edits),
        };
    }

    /// <summary>The binding of this run to the plan it must still be: what differs refuses; a branch that moved only elsewhere is said and applied.</summary>
    private static DeployException? Bound(RunContext run, IGitOpsSnapshot snapshot, List<TargetEdit> edits, string expected)
    {
        PlanBinding planned;
        try
        {
            planned = PlanBinding.Decode(expected);
        }
        catch (DeployException e)
        {
            return e;
        }

        var current = new PlanBinding(snapshot.HeadSha, [.. edits.Select(e => e.Report!.Binding!)]);
        var differences = planned.Differences(current);
        if (differences.Count > 0)
        {
            return DeployException.Input("expected-plan",
                $"this change is not the plan that was approved ({planned.Digest}, made on {Short(planned.BaseSha)}): {string.Join("; ", differences)}. Nothing was written; plan again and approve the new plan");
        }

        var said = planned.BaseSha == snapshot.HeadSha
            ? $"the change is the approved plan {planned.Digest}, on the commit it was made on ({Short(snapshot.HeadSha)})"
            : $"the change is the approved plan {planned.Digest}: the branch moved from {Short(planned.BaseSha)} to {Short(snapshot.HeadSha)} since the plan, but none of the files that build {string.Join(", ", edits.Select(e => e.Target.Environment))} changed";
        run.Logger.LogInformation("{Binding}", char.ToUpperInvariant(said[0]) + said[1..]);
        for (var i = 0; i < edits.Count; i++)
        {
            edits[i] = edits[i] with { Report = edits[i].Report! with { Notes = [.. edits[i].Report!.Notes, said] } };
        }

        return null;
    }

    private static void Log(RunContext run, TargetReport report)
    {
        foreach (var image in report.Images)
        {
            if (image.Unused is { } unused)
            {
                run.Runtime.Warning($"{report.Environment}: {unused}{(image.Certainty == ImpactCertainty.Unknown ? " (the analysis could not see every workload)" : string.Empty)}");
            }

            foreach (var container in image.Containers)
            {
                run.Logger.LogInformation("{Environment}: {Change}", report.Environment, container.ToString());
            }
        }

        foreach (var note in report.Notes)
        {
            run.Logger.LogInformation("{Environment}: {Note}", report.Environment, note);
        }

        if (report.Render is { } render)
        {
            run.Logger.LogInformation("{Environment}: render {State}: {Message}", report.Environment, render.State, render.State == RenderState.Built ? $"{render.Diff?.Changes.Count ?? 0} resources change" : render.Message);
        }
    }

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;
}
