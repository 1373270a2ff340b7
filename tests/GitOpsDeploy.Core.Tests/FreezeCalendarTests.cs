using GitOpsDeploy.Calendar;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The freeze calendar read from a tree: which AppProject governs an application (named, its Application manifest's,
/// or the only one), what is refused and how it is said, warnings passed on, and files that do not parse named at their line.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class FreezeCalendarTests
{
    /// <summary>Tuesday 23:00 UTC: inside the nightly deny window below.</summary>
    private static readonly DateTimeOffset Night = new(2025, 3, 11, 23, 0, 0, TimeSpan.Zero);

    private static string Project(string name, string kind = "deny", string applications = "[\"web-*\"]") => $"""
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata:
          name: {name}
        spec:
          syncWindows:
            - kind: {kind}
              schedule: "0 22 * * *"
              duration: 2h
              applications: {applications}
        """;

    private static string Application(string project) => $"""
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: web-production
        spec:
          project: {project}
          destination:
            namespace: web
            server: https://kubernetes.default.svc
        """;

    private static RepoPathTests.InMemoryTree Tree(params (string Path, string Text)[] files) => new(files.ToDictionary(f => f.Path, f => f.Text));

    private static DeployTarget Production => Doubles.TestRequests.Parse(("environment", "production")).Targets[0];

    private static GateOptions Gates(string path = "argocd", string? project = null, string freezeFile = GateOptions.DefaultFreezeFile) => new()
    {
        SyncWindows = new Dictionary<string, string> { ["production"] = path },
        Project = project,
        FreezeFile = freezeFile,
        Applications = new Dictionary<string, string> { ["production"] = "web-production" },
    };

    /// <summary>The refusal as the run prints it: <c>file:line:column: </c> first when a file is at fault.</summary>
    private static string Refusal(RepoPathTests.InMemoryTree tree, GateOptions gates) =>
        Assert.Throws<DeployException>(() => FreezeCalendar.Check(tree, gates, Production, Night)).Describe();

    [Fact]
    public void The_application_manifest_beside_the_projects_chooses_its_project()
    {
        var tree = Tree(("argocd/shop.yaml", Project("shop")), ("argocd/other.yml", Project("other", "allow")), ("argocd/web.yaml", Application("shop")), ("argocd/README.md", "not: [yaml"));

        var check = FreezeCalendar.Check(tree, Gates(), Production, Night);

        Assert.False(check.Answer.Allowed);
        Assert.Empty(check.Warnings);
    }

    [Fact]
    public void The_first_manifest_of_the_application_in_file_order_counts()
    {
        // a.yaml says shop (deny at night), b.yaml says other (allow): the first one read decides.
        var tree = Tree(("argocd/b.yaml", Application("other")), ("argocd/a.yaml", Application("shop")), ("argocd/projects.yaml", Project("shop") + "\n---\n" + Project("other", "allow")));

        Assert.False(FreezeCalendar.Check(tree, Gates(), Production, Night).Answer.Allowed);
    }

    [Fact]
    public void A_named_project_wins_over_the_manifest()
    {
        var tree = Tree(("argocd/projects.yaml", Project("shop") + "\n---\n" + Project("other", "allow")), ("argocd/web.yaml", Application("shop")));

        Assert.True(FreezeCalendar.Check(tree, Gates(project: "other"), Production, Night).Answer.Allowed);
    }

    [Fact]
    public void A_yml_project_file_is_read_too() =>
        Assert.False(FreezeCalendar.Check(Tree(("argocd/shop.yml", Project("shop"))), Gates(), Production, Night).Answer.Allowed);

    [Fact]
    public void A_project_named_by_the_manifest_that_is_not_there_names_the_manifest() =>
        Assert.Equal("input 'sync-windows': no AppProject named 'ghost' (spec.project of argocd/web.yaml:1) in argocd (found: shop)",
            Refusal(Tree(("argocd/shop.yaml", Project("shop")), ("argocd/web.yaml", Application("ghost"))), Gates()));

    [Fact]
    public void A_named_project_that_is_not_there_lists_what_is() =>
        Assert.Equal("input 'sync-windows': no AppProject named 'ghost' in argocd (found: shop, other)",
            Refusal(Tree(("argocd/projects.yaml", Project("shop") + "\n---\n" + Project("other"))), Gates(project: "ghost")));

    [Fact]
    public void A_folder_without_projects_says_it_found_none() =>
        Assert.Equal("input 'sync-windows': no AppProject in argocd (found: none)", Refusal(Tree(("argocd/web.yaml", Application("shop") + "\n---\n{}\n")), Gates() with { Applications = new Dictionary<string, string> { ["production"] = "api" } }));

    [Fact]
    public void Several_projects_and_no_manifest_ask_for_one_to_be_named() =>
        Assert.Equal("input 'sync-windows': argocd holds several AppProjects (shop, other): name one as argocd#PROJECT, or keep the Application manifest of web-production beside them",
            Refusal(Tree(("argocd/projects.yaml", Project("shop") + "\n---\n" + Project("other"))), Gates()));

    [Fact]
    public void A_path_that_is_not_in_the_repository_is_refused() =>
        Assert.Equal("input 'sync-windows': 'argocd/missing.yaml' is not in the gitops repository (a file or folder holding the Argo CD AppProject)",
            Refusal(Tree(("argocd/shop.yaml", Project("shop"))), Gates("argocd/missing.yaml")));

    [Fact]
    public void The_projects_warnings_are_passed_on_with_their_place()
    {
        var check = FreezeCalendar.Check(Tree(("argocd/shop.yaml", Project("shop", applications: "[]"))), Gates(), Production, Night);

        Assert.True(check.Answer.Allowed);
        Assert.Contains(check.Warnings, w => w.Contains("argocd/shop.yaml:", StringComparison.Ordinal) && w.Contains("the window applies to no application", StringComparison.Ordinal));
    }

    [Fact]
    public void A_freeze_file_that_does_not_parse_is_refused_at_its_line_with_the_field()
    {
        var message = Refusal(Tree((".gitops-deploy/freeze.yaml", "freezes:\n  - environments: [production]\n    by: \"@alice\"\n    reason: x\n    until: tomorrow\n")), Gates() with { SyncWindows = new Dictionary<string, string>() });

        Assert.Matches(@"^\.gitops-deploy/freeze\.yaml:5:1: freezes\[0\]\.until: ", message);
    }

    [Fact]
    public void A_freeze_file_that_is_not_yaml_is_refused_at_its_line_without_a_field()
    {
        var message = Refusal(Tree((".gitops-deploy/freeze.yaml", "freezes: [\n")), Gates() with { SyncWindows = new Dictionary<string, string>() });

        Assert.Matches(@"^\.gitops-deploy/freeze\.yaml:[0-9]+:1: [^:]", message);
        Assert.DoesNotContain(": : ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_calendar_file_that_is_not_utf8_is_refused_by_name()
    {
        var tree = new BytesTree(".gitops-deploy/freeze.yaml", [0x66, 0x72, 0xFF, 0x0A]);

        Assert.Equal(".gitops-deploy/freeze.yaml: file is not valid UTF-8", Assert.Throws<DeployException>(() => FreezeCalendar.Freezes(tree, ".gitops-deploy/freeze.yaml")).Describe());
    }

    [Fact]
    public void A_block_says_each_blocked_environment_and_only_theirs_have_a_status()
    {
        var answer = DeployCalendar.Check(Night, [FreezeCalendar.SyncWindowGate(Tree(("argocd/shop.yaml", Project("shop"))), "argocd", null, "web-production")]);
        var edit = new TargetEdit(Production, new OverlayEdit("environments/production", null, [], [], []));

        var block = new CalendarBlock([(edit, answer)]);

        Assert.Equal("production: " + answer.Summary, block.Message);
        Assert.Equal(answer.ToDeploymentStatusDescription(), block.StatusFor("production"));
        Assert.Null(block.StatusFor("staging"));
    }

    private sealed class BytesTree(string path, byte[] bytes) : IRepositoryTree
    {
        public TreeEntryKind KindOf(string p) => p == path ? TreeEntryKind.File : TreeEntryKind.Missing;

        public string ReadSymlink(string p) => throw new NotSupportedException();

        public byte[] ReadFile(string p) => p == path ? bytes : throw new FileNotFoundException(p);

        public IReadOnlyList<string> List(string directory) => [];
    }
}
