namespace GitOpsDeploy.Core.Requests;

/// <summary>What the promotion report checks and what a plan binds: the inputs that make a change reviewable before it is applied.</summary>
public sealed record ReviewOptions
{
    /// <summary>The prefix of every <c>plan</c> output: a value without it is not a plan of this action.</summary>
    public const string PlanPrefix = "gitops-plan/v1.";

    /// <summary>allow-unused-image: write an image entry that changes no container (refused by default).</summary>
    public bool AllowUnusedImage { get; init; }

    /// <summary>require-render: refuse unless every target renders before and after the change.</summary>
    public bool RequireRender { get; init; }

    /// <summary>plan: compute the change and its report, write nothing (the landing runs as a dry run).</summary>
    public bool PlanOnly { get; init; }

    /// <summary>expected-plan: the plan output this run must still match; null when not bound to a plan.</summary>
    public string? ExpectedPlan { get; init; }
}
