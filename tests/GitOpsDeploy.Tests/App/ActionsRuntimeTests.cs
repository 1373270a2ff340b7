using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Runtime;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.App;

[Trait("Tier", "App")]
public sealed class ActionsRuntimeTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("runtime-").FullName;
    private readonly StringWriter stdout = new();
    private readonly ConsoleSink console;
    private readonly ActionsRuntime runtime;

    public ActionsRuntimeTests()
    {
        console = new ConsoleSink(stdout, TextWriter.Null, new SecretMasker());
        File.WriteAllText(Path.Combine(dir, "out"), string.Empty);
        runtime = new ActionsRuntime(new Dictionary<string, string> { ["GITHUB_OUTPUT"] = Path.Combine(dir, "out"), ["GITHUB_STEP_SUMMARY"] = Path.Combine(dir, "sum") }, console);
    }

    public void Dispose()
    {
        stdout.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Outputs_use_a_random_heredoc_delimiter_and_utf8_without_bom()
    {
        runtime.SetOutput("images", "web=ghcr.io/acme/web:1\nworker=ghcr.io/acme/worker:2");
        runtime.SetOutput("changed", "true");
        var bytes = File.ReadAllBytes(Path.Combine(dir, "out"));
        var text = File.ReadAllText(Path.Combine(dir, "out"));

        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Matches("^images<<ghadelimiter_[0-9a-f]{32}\n", text);
        var outputs = ActionRun.ParseOutputs(text);
        Assert.Equal("web=ghcr.io/acme/web:1\nworker=ghcr.io/acme/worker:2", outputs["images"]);
        Assert.Equal("true", outputs["changed"]);
    }

    [Fact]
    public void Annotations_escape_data_and_properties_like_the_runner()
    {
        runtime.Error("50% done\r\nnext", new SourceLocation("dir,a:b/k.yaml", 3, 7));
        Assert.Equal("::error file=dir%2Ca%3Ab/k.yaml,line=3,col=7::dir,a:b/k.yaml:3:7: 50%25 done%0D%0Anext", stdout.ToString().TrimEnd('\n'));
    }

    [Fact]
    public void A_refusal_from_a_file_shows_its_location_once_in_the_log_and_on_a_terminal()
    {
        var refusal = DeployException.File(new SourceLocation("environments/staging/kustomization.yaml", 113, 1), "anchors on the image entry");
        var stderr = new StringWriter();
        var terminal = new TerminalRuntime(new ConsoleSink(TextWriter.Null, stderr, new SecretMasker()));

        runtime.Error(refusal.Message, refusal.Location);
        terminal.Error(refusal.Message, refusal.Location);

        Assert.Equal("::error file=environments/staging/kustomization.yaml,line=113,col=1::environments/staging/kustomization.yaml:113:1: anchors on the image entry", stdout.ToString().TrimEnd('\n'));
        Assert.Equal("error: environments/staging/kustomization.yaml:113:1: anchors on the image entry", stderr.ToString().TrimEnd('\n'));
    }

    [Fact]
    public void Masks_a_secret_everywhere_after_registering_it()
    {
        runtime.AddMask("ghs_supersecret");
        using (runtime.Group("clone with ghs_supersecret"))
        {
            console.WriteLine("token=ghs_supersecret");
        }

        runtime.SetOutput("x", "ghs_supersecret");
        runtime.AppendSummary("ghs_supersecret");

        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("::add-mask::ghs_supersecret", lines[0]);
        Assert.Equal(["::group::clone with ***", "token=***", "::endgroup::"], lines[1..]);
        Assert.DoesNotContain("ghs_supersecret", File.ReadAllText(Path.Combine(dir, "out")), StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_supersecret", File.ReadAllText(Path.Combine(dir, "sum")), StringComparison.Ordinal);
    }

    [Fact]
    public void Input_variables_keep_hyphens_and_turn_spaces_into_underscores()
    {
        Assert.Equal("INPUT_GITOPS-REPOSITORY", ActionInputs.VariableName("gitops-repository"));
        Assert.Equal("INPUT_MY_INPUT", ActionInputs.VariableName("my input"));
        var inputs = ActionInputs.Read(new Dictionary<string, string> { ["INPUT_GITOPS-REPOSITORY"] = "  acme/gitops \n", ["INPUT_IMAGES"] = "   " }, ["gitops-repository", "images"]);
        Assert.Equal("acme/gitops", inputs["gitops-repository"]);
        Assert.False(inputs.ContainsKey("images"), "an empty input means unset");
    }
}
