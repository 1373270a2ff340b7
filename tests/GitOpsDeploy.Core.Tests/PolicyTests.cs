using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class PolicyTests
{
    // Wednesday 2026-11-25 is in GMT (UTC+0) in London; 2026-07-01 is a BST (UTC+1) Wednesday.
    private static readonly DeployWindow Office = DeployWindow.Parse("Mon-Fri 09:00-17:00 Europe/London; Sat 10:00-12:00 UTC");

    [Theory]
    [InlineData("2026-11-25T09:00:00Z", true)]
    [InlineData("2026-11-25T16:59:00Z", true)]
    [InlineData("2026-11-25T17:00:00Z", false)]
    [InlineData("2026-07-01T08:30:00Z", true)]
    [InlineData("2026-07-01T16:30:00Z", false)]
    [InlineData("2026-11-28T11:00:00Z", true)]
    [InlineData("2026-11-29T11:00:00Z", false)]
    public void Windows_follow_their_time_zone_and_days(string utc, bool open) =>
        Assert.Equal(open, Office.IsOpen(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void The_next_opening_is_reported_in_the_window_zone()
    {
        var friday = DateTimeOffset.Parse("2026-11-27T18:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse("2026-11-28T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), Office.NextOpening(friday));
        var saturdayNoon = DateTimeOffset.Parse("2026-11-28T12:30:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), Office.NextOpening(saturdayNoon));
    }

    [Theory]
    [InlineData("Mon-Fri 09:00-17:00 Mars/Olympus", "not an IANA time zone")]
    [InlineData("Mon-Fri 17:00-09:00 UTC", "must end after it starts")]
    [InlineData("Funday 09:00-17:00 UTC", "'Funday' is not a day")]
    [InlineData("weekdays", "is not 'Mon-Fri 09:00-17:00 Europe/London'")]
    public void Bad_windows_name_the_input(string text, string message)
    {
        var error = Assert.Throws<DeployException>(() => DeployWindow.Parse(text));
        Assert.StartsWith("input 'deploy-window':", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static OverlayEdit Edit(ImageEntry after) => new("o", "o/k", [new FileChange("o/k", [1])], [new ImageChange(null, after)], []);

    private static (PolicyOptions Policy, DeployTarget Target, bool Force) Options(string environment, PolicyOptions policy, bool force = false, bool? production = null) =>
        (policy, new DeployTarget(environment, "o", production ?? environment.Contains("prod", StringComparison.OrdinalIgnoreCase)), force);

    private static void Check((PolicyOptions Policy, DeployTarget Target, bool Force) options, OverlayEdit edit, DateTimeOffset now) =>
        PolicyGate.Check(options.Policy, options.Target, options.Force, edit, now);

    [Fact]
    public void Outside_the_window_is_refused_unless_forced()
    {
        var policy = PolicyOptions.None with { Window = Office };
        var sunday = DateTimeOffset.Parse("2026-11-29T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var edit = Edit(new ImageEntry("web", "ghcr.io/acme/web", "1", null));

        var error = Assert.Throws<DeployException>(() => Check(Options("production", policy), edit, sunday));
        Assert.Equal(ErrorKind.Policy, error.Kind);
        Assert.Contains("policy deploy-window: 2026-11-29 11:00 UTC is outside the deploy window", error.Message, StringComparison.Ordinal);
        Assert.Contains("it next opens Mon 2026-11-30 09:00 +00:00", error.Message, StringComparison.Ordinal);
        Check(Options("production", policy, force: true), edit, sunday);
    }

    [Theory]
    [InlineData("production", "latest", null, false, true)]
    [InlineData("prod-eu", "LATEST", null, false, true)]
    [InlineData("staging", "latest", null, false, false)]
    [InlineData("production", "latest", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false, false)]
    [InlineData("production", "latest", null, true, false)]
    [InlineData("production", "1.2.3", null, false, false)]
    public void Mutable_tags_are_refused_in_production(string environment, string tag, string? digest, bool allow, bool refused)
    {
        var options = Options(environment, PolicyOptions.None with { AllowMutableTags = allow });
        var edit = Edit(new ImageEntry("web", "ghcr.io/acme/web", tag, digest));
        var error = Record.Exception(() => Check(options, edit, DateTimeOffset.UtcNow));
        Assert.Equal(refused, error is DeployException { Kind: ErrorKind.Policy } e && e.Message.StartsWith("policy mutable-tags:", StringComparison.Ordinal));
    }

    [Fact]
    public void Images_must_come_from_an_allowed_registry()
    {
        var options = Options("staging", PolicyOptions.None with { AllowedRegistries = ["ghcr.io/acme/", "registry.example.com/"] });
        Check(options, Edit(new ImageEntry("web", "ghcr.io/acme/web", "1", null)), DateTimeOffset.UtcNow);
        var error = Assert.Throws<DeployException>(() => Check(options, Edit(new ImageEntry("web", "docker.io/evil/web", "1", null)), DateTimeOffset.UtcNow));
        Assert.Contains("policy allowed-registries: image 'web' would come from 'docker.io/evil/web'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("live", "true", true)]
    [InlineData("prod-mirror", "false", false)]
    [InlineData("production", "auto", true)]
    [InlineData("staging", "auto", false)]
    public void The_production_environment_input_decides_the_mutable_tag_policy(string environment, string production, bool refused)
    {
        // The same flag the deployment reports as production_environment: production is defined once, in the request.
        var request = Doubles.TestRequests.Parse(("environment", environment), ("production-environment", production));
        var edit = Edit(new ImageEntry("web", "ghcr.io/acme/web", "latest", null));

        var error = Record.Exception(() => PolicyGate.Check(request.Policy, request.Targets[0], false, edit, DateTimeOffset.UtcNow));

        Assert.Equal(refused, request.Targets[0].Production);
        Assert.Equal(refused, error is DeployException { Kind: ErrorKind.Policy });
    }
}
