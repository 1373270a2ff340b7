namespace GitOpsDeploy.Calendar.Tests;

/// <summary>Reading AppProject manifests and freeze files: every error names file:line and the field.</summary>
[Trait("Tier", "Unit")]
public sealed class ParsingTests
{
    private const string Head = "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: default\nspec:\n  syncWindows:\n";

    private static CalendarParseException ProjectError(string windows, ArgoCdReadOptions? options = null) =>
        Assert.Throws<CalendarParseException>(() => ArgoCdProject.Parse(Head + windows, "argocd/project.yaml", options: options));

    [Theory]
    [InlineData("  - kind: maybe\n    schedule: '0 0 * * *'\n    duration: 1h\n", 7, "spec.syncWindows[0].kind", "kind 'maybe' mismatch: can only be allow or deny")]
    [InlineData("  - kind: deny\n    duration: 1h\n", 7, "spec.syncWindows[0].schedule", "cannot parse schedule '': empty spec string")]
    [InlineData("  - kind: deny\n    schedule: '0 0 * * 7'\n    duration: 1h\n", 8, "spec.syncWindows[0].schedule", "cannot parse schedule '0 0 * * 7': end of range (7) above maximum (6): 7")]
    [InlineData("  - kind: deny\n    schedule: '0 0 * * *'\n    duration: 1d\n", 9, "spec.syncWindows[0].duration", "cannot parse duration '1d': time: unknown unit \"d\" in duration \"1d\"")]
    [InlineData("  - kind: deny\n    schedule: '0 0 * * *'\n    duration: 1h\n    timeZone: Mars/Olympus\n", 10, "spec.syncWindows[0].timeZone", "'Mars/Olympus' is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC); Argo CD would log a warning and use UTC")]
    [InlineData("  - kind: deny\n    schedule: '0 0 * * *'\n    duration: 1h\n    timezone: Europe/Berlin\n", 10, "spec.syncWindows[0].timezone", "unknown field 'timezone' (did you mean 'timeZone'?); Kubernetes drops unknown fields, so Argo CD never sees it")]
    [InlineData("  - kind: deny\n    schedule: '0 0 * * *'\n    duration: 1h\n    manualSync: 'true'\n", 10, "spec.syncWindows[0].manualSync", "must be true or false, not the quoted text 'true'")]
    [InlineData("  - kind: deny\n    schedule: '0 0 * * *'\n    duration: 1h\n    applications: app\n", 10, "spec.syncWindows[0].applications", "must be a list of strings, not 'app'")]
    [InlineData("  - kind: deny\n    schedule: '0 0 * * *'\n    duration: 1h\n    namespaces: [a, [b]]\n", 10, "spec.syncWindows[0].namespaces[1]", "must be a string, not a list")]
    [InlineData("  - just text\n", 7, "spec.syncWindows[0]", "must be a mapping, not 'just text'")]
    public void Window_errors_name_the_line_and_the_field(string windows, int line, string field, string problem)
    {
        var error = ProjectError(windows);
        Assert.Equal("argocd/project.yaml", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Equal(problem, error.Problem);
        Assert.StartsWith($"argocd/project.yaml:{line}: {field}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_description_is_refused_as_argo_cd_validates_it()
    {
        var error = ProjectError($"  - kind: deny\n    schedule: '0 0 * * *'\n    duration: 1h\n    description: {new string('x', 256)}\n");
        Assert.Equal("description must not exceed 255 characters", error.Problem);
    }

    [Fact]
    public void Like_argo_cd_an_unknown_zone_is_utc_and_an_unknown_field_dropped_with_warnings()
    {
        var project = ArgoCdProject.Parse(
            Head + "  - kind: deny\n    schedule: '0 0 * * *'\n    duration: 1h\n    timezone: Europe/Berlin\n    timeZone: Mars/Olympus\n    applications: ['*']\n",
            "argocd/project.yaml",
            options: ArgoCdReadOptions.Lenient);
        Assert.Equal(TimeZoneInfo.Utc, project.SyncWindows[0].TimeZone);
        Assert.Equal(["argocd/project.yaml:10: spec.syncWindows[0].timezone", "argocd/project.yaml:11: spec.syncWindows[0].timeZone"], project.Warnings.Select(w => $"{w.File}:{w.Line}: {w.Field}"));
    }

    [Fact]
    public void Reads_every_field_and_picks_the_app_project_among_other_documents()
    {
        var yaml = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: guestbook}
            ---
            apiVersion: argoproj.io/v1alpha1
            kind: AppProject
            metadata:
              name: payments
            spec:
              syncWindows:
              - kind: allow
                schedule: 'CRON_TZ=UTC 10 1 * * *'
                duration: 1h30m
                timeZone: America/New_York
                applications: ['*-prod']
                namespaces: [payments]
                clusters: [in-cluster]
                manualSync: true
                andOperator: on
                syncOverrun: false
                description: nightly window
            """;
        var project = ArgoCdProject.Parse(yaml, "projects.yaml");
        Assert.Equal("payments", project.Name);
        Assert.Equal(6, project.Line);
        var w = Assert.Single(project.SyncWindows);
        Assert.Equal((SyncWindowKind.Allow, "CRON_TZ=UTC 10 1 * * *", TimeSpan.FromMinutes(90), "America/New_York"), (w.Kind, w.Schedule.Expression, w.Duration, w.TimeZone.Id));
        Assert.Equal((true, true, false, "nightly window", 11), (w.ManualSync, w.UseAndOperator, w.SyncOverrun, w.Description, w.Line));
        Assert.Equal(["*-prod"], w.Applications);
        Assert.Empty(project.Warnings);
    }

    [Fact]
    public void Several_projects_need_a_name_and_none_is_an_error()
    {
        var two = "kind: AppProject\nmetadata: {name: a}\n---\nkind: AppProject\nmetadata: {name: b}\n";
        Assert.Equal("b", ArgoCdProject.Parse(two, "p.yaml", "b").Name);
        Assert.Equal(4, Assert.Throws<CalendarParseException>(() => ArgoCdProject.Parse(two, "p.yaml")).Line);
        Assert.Equal("no AppProject document", Assert.Throws<CalendarParseException>(() => ArgoCdProject.Parse("kind: Application\n", "p.yaml")).Problem);
    }

    [Fact]
    public void A_yaml_syntax_error_names_its_line()
    {
        var error = Assert.Throws<CalendarParseException>(() => ArgoCdProject.Parse(Head + "  - kind: deny\n    schedule: [\n", "p.yaml"));
        Assert.Equal("p.yaml", error.File);
        Assert.True(error.Line >= 8, error.Message);
        Assert.StartsWith("not valid YAML: ", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Warns_about_windows_argo_cd_accepts_but_that_do_nothing_or_everything()
    {
        var project = ArgoCdProject.Parse(Head + """
              - {kind: deny, schedule: '0 0 * * *', duration: 1h}
              - {kind: deny, schedule: '0 0 * * *', duration: 1h, applications: ['[a-z0-9]*']}
              - {kind: deny, schedule: '0 0 * * *', duration: '-1h', applications: ['*']}
            """, "p.yaml");
        Assert.Equal(
            ["p.yaml:7: spec.syncWindows[0]", "p.yaml:8: spec.syncWindows[1].applications[0]", "p.yaml:9: spec.syncWindows[2].duration"],
            project.Warnings.Select(w => $"{w.File}:{w.Line}: {w.Field}"));
    }
}
