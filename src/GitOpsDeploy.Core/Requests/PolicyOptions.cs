namespace GitOpsDeploy.Core.Requests;

/// <summary>The policy inputs, parsed.</summary>
public sealed record PolicyOptions(DeployWindow? Window, IReadOnlyList<string> MutableTags, bool AllowMutableTags, IReadOnlyList<string> AllowedRegistries)
{
    public static readonly PolicyOptions None = new(null, ["latest"], false, []);
}
