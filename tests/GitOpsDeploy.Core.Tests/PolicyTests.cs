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
    // Parsed by each test that uses it: a static field would be parsed by whichever test ran first.
    private readonly DeployWindow office = DeployWindow.Parse("Mon-Fri 09:00-17:00 Europe/London; Sat 10:00-12:00 UTC");

    [Theory]
    [InlineData("2026-11-25T09:00:00Z", true)]
    [InlineData("2026-11-25T16:59:00Z", true)]
    [InlineData("2026-11-25T17:00:00Z", false)]
    [InlineData("2026-07-01T08:30:00Z", true)]
    [InlineData("2026-07-01T16:30:00Z", false)]
    [InlineData("2026-11-28T11:00:00Z", true)]
    [InlineData("2026-11-29T11:00:00Z", false)]
    public void Windows_follow_their_time_zone_and_days(string utc, bool open) =>
        Assert.Equal(open, office.IsOpen(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void The_next_opening_is_reported_in_the_window_zone()
    {
        var friday = DateTimeOffset.Parse("2026-11-27T18:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse("2026-11-28T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), office.NextOpening(friday));
        var saturdayNoon = DateTimeOffset.Parse("2026-11-28T12:30:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), office.NextOpening(saturdayNoon));
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
        var policy = PolicyOptions.None with { Window = office };
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

    [Fact]
    public void Only_what_an_edit_changes_is_held_to_the_allowed_registries_and_a_name_without_new_name_is_the_reference()
    {
        // An image the overlay already pulls from elsewhere is not this deploy's to refuse; what it writes is.
        var options = Options("staging", PolicyOptions.None with { AllowedRegistries = ["ghcr.io/acme/"] });
        var untouched = new ImageEntry("sidecar", "docker.io/library/envoy", "1", null);
        var edit = new OverlayEdit("o", "o/k", [new FileChange("o/k", [1])], [new ImageChange(untouched, untouched), new ImageChange(null, new ImageEntry("web", "ghcr.io/acme/web", "2", null))], []);
        Check(options, edit, DateTimeOffset.UtcNow);

        Check(options, Edit(new ImageEntry("ghcr.io/acme/web", null, "1", null)), DateTimeOffset.UtcNow);
        var error = Assert.Throws<DeployException>(() => Check(options, Edit(new ImageEntry("docker.io/evil/web", null, "1", null)), DateTimeOffset.UtcNow));
        Assert.Equal("policy allowed-registries: image 'docker.io/evil/web' would come from 'docker.io/evil/web', which is not under ghcr.io/acme/", error.Message);
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

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    // 2026-11-29 is a Sunday (DayOfWeek 0): every day name parses to its own day and to no other.
    [Theory]
    [InlineData("Sun", "2026-11-29")]
    [InlineData("Mon", "2026-11-30")]
    [InlineData("Tue", "2026-12-01")]
    [InlineData("Wed", "2026-12-02")]
    [InlineData("thu", "2026-12-03")]
    [InlineData("FRI", "2026-12-04")]
    [InlineData("Sat", "2026-12-05")]
    public void Every_day_name_opens_that_day_only(string day, string date)
    {
        var window = DeployWindow.Parse($"{day} 09:00-17:00 UTC");
        var open = At(date + "T10:00:00Z");

        Assert.True(window.IsOpen(open));
        Assert.False(window.IsOpen(open.AddDays(1)));
        Assert.False(window.IsOpen(open.AddDays(-1)));
        Assert.Equal(open.AddDays(7).AddHours(-1), window.NextOpening(open));
    }

    [Fact]
    public void A_range_wraps_around_the_week()
    {
        var window = DeployWindow.Parse("Fri-Mon 09:00-17:00 UTC");

        Assert.Equal(
            [true, true, true, true, false, false, false],
            Enumerable.Range(0, 7).Select(d => window.IsOpen(At("2026-12-04T10:00:00Z").AddDays(d))));
    }

    [Theory]
    [InlineData("daily 09:00-17:00 UTC")]
    [InlineData("Daily 09:00-17:00 UTC")]
    [InlineData("* 09:00-17:00 UTC")]
    public void Daily_and_star_open_every_day(string text)
    {
        var window = DeployWindow.Parse(text);

        Assert.All(Enumerable.Range(0, 7), d => Assert.True(window.IsOpen(At("2026-11-29T09:00:00Z").AddDays(d))));
        Assert.All(Enumerable.Range(0, 7), d => Assert.False(window.IsOpen(At("2026-11-29T17:00:00Z").AddDays(d))));
    }

    [Theory]
    [InlineData("", "no window given")]
    [InlineData(" ; ;", "no window given")]
    [InlineData("Mon-Fri 09:00-09:00 UTC", "must end after it starts")]
    [InlineData("Mon-Fri 09:00-08:59 UTC", "must end after it starts")]
    [InlineData("Mon-Fun 09:00-17:00 UTC", "'Fun' is not a day")]
    public void Empty_and_empty_length_windows_are_refused(string text, string message)
    {
        var error = Assert.Throws<DeployException>(() => DeployWindow.Parse(text));

        Assert.StartsWith("input 'deploy-window':", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_one_minute_window_is_open_for_that_minute()
    {
        var window = DeployWindow.Parse("Mon 09:00-09:01 UTC");

        Assert.True(window.IsOpen(At("2026-11-30T09:00:59Z")));
        Assert.False(window.IsOpen(At("2026-11-30T09:01:00Z")));
        Assert.False(window.IsOpen(At("2026-11-30T08:59:59Z")));
    }

    // A Helm values folder: its image changes reach the gate like a kustomization's.
    private static OverlayEdit HelmEdit(string image)
    {
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string>
        {
            ["environments/production/values.yaml"] = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1\"\n",
        });
        return OverlayEditor.Plan(tree, "environments/production", ImageSpec.ParseList(image), []);
    }

    [Fact]
    public void A_helm_target_reports_its_image_changes()
    {
        var edit = HelmEdit("web=docker.io/evil/web:2");

        var change = Assert.Single(edit.Images);
        Assert.Equal(new ImageEntry("web", "ghcr.io/acme/web", "1", null), change.Before);
        Assert.Equal(new ImageEntry("web", "docker.io/evil/web", "2", null), change.After);
    }

    [Fact]
    public void A_helm_target_is_held_to_the_allowed_registries()
    {
        var options = Options("production", PolicyOptions.None with { AllowedRegistries = ["ghcr.io/acme/"] });

        Check(options, HelmEdit("web:2"), DateTimeOffset.UtcNow);
        var error = Assert.Throws<DeployException>(() => Check(options, HelmEdit("web=docker.io/evil/web:2"), DateTimeOffset.UtcNow));
        Assert.Contains("policy allowed-registries: image 'web' would come from 'docker.io/evil/web'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_helm_target_in_production_refuses_a_mutable_tag()
    {
        var error = Assert.Throws<DeployException>(() => Check(Options("production", PolicyOptions.None), HelmEdit("web:latest"), DateTimeOffset.UtcNow));

        Assert.Contains("policy mutable-tags: image 'web' uses the mutable tag 'latest' in production", error.Message, StringComparison.Ordinal);
    }
}
