using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests;

/// <summary>A fake GitHub with a gitops repository in the seed's layout and tokens of each kind.</summary>
public abstract class GitOpsFixture : IAsyncLifetime
{
    public const string WriteToken = "ghs_WRITEtoken0123456789abcdef";
    public const string ReadToken = "ghs_READtoken0123456789abcdef";
    public const string SourceToken = "ghs_SOURCEtoken0123456789abcdef";

    public const string StagingKustomization = """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization

        resources:
          - ../../base

        # Images are written by GitOpsDeploy.
        images:
          - name: web
            newName: ghcr.io/acme/web
            newTag: "1.0.0" # current release
          - name: worker
            newName: ghcr.io/acme/worker
            newTag: 2.0.0

        """;

    protected FakeGitHub GitHub { get; private set; } = null!;

    protected FakeRepo Repo { get; private set; } = null!;

    /// <summary>The application repository: deployments are created here.</summary>
    protected ApiRepo App { get; private set; } = null!;

    protected ApiRepo GitOpsApi => GitHub.Api("acme/gitops");

    public virtual async Task InitializeAsync()
    {
        GitHub = await FakeGitHub.StartAsync();
        GitHub.AddToken(WriteToken, Permission.Write);
        GitHub.AddToken(ReadToken, Permission.Read);
        GitHub.AddToken(SourceToken, Permission.Write, "acme/app");
        App = GitHub.CreateApiRepo("acme/app");
        Repo = GitHub.CreateRepo("acme/gitops", new Dictionary<string, string>
        {
            ["base/kustomization.yaml"] = "resources:\n  - deployment.yaml\n",
            ["base/deployment.yaml"] = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
            ["environments/staging/kustomization.yaml"] = StagingKustomization,
            ["environments/staging/values.yaml"] = "replicas: 1\nimage:\n  tag: \"1.0.0\"\n",
            ["environments/production/kustomization.yaml"] = StagingKustomization.Replace("1.0.0", "0.9.0", StringComparison.Ordinal),
        });
    }

    public virtual async Task DisposeAsync() => await GitHub.DisposeAsync();

    protected Dictionary<string, string> Inputs(params (string Name, string Value)[] overrides)
    {
        var inputs = new Dictionary<string, string>
        {
            ["gitops-repository"] = "acme/gitops",
            ["gitops-token"] = WriteToken,
            ["environment"] = "staging",
            ["images"] = "web=ghcr.io/acme/web:1.1.0",
            ["mode"] = "push",
            // These tests are about the git transport; ApiCommitTests run the same flows through GitHub's API.
            ["commit-method"] = "git",
        };
        foreach (var (name, value) in overrides)
        {
            inputs[name] = value;
        }

        return inputs;
    }

    protected Task<ActionResult> Run(Dictionary<string, string> inputs, CancellationToken cancellationToken = default) =>
        ActionRun.RunAsync(GitHub, inputs, cancellationToken: cancellationToken);
}
