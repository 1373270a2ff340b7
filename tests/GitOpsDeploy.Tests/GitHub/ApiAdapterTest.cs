using System.Text;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// A fresh fake GitHub per test with a small gitops repository and the adapter factory pointed at it. Per test, not a
/// shared fixture: the tests commit, plant refs and count requests, so shared state would make them depend on order.
/// </summary>
public abstract class ApiAdapterTest : IAsyncLifetime
{
    protected const string Token = "ghs_apiTOKEN0123456789";

    protected FakeGitHub GitHub { get; private set; } = null!;

    protected FakeRepo Repo { get; private set; } = null!;

    protected GitHubFactory Factory { get; private set; } = null!;

    protected string ApiUrl => GitHub.ServerUrl + "/api/v3";

    public virtual async Task InitializeAsync()
    {
        GitHub = await FakeGitHub.StartAsync();
        GitHub.AddToken(Token, Permission.Write);
        Repo = GitHub.CreateRepo("acme/gitops", new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = "images: [a]\n",
            ["base/deployment.yaml"] = "kind: Deployment\n",
        });
        Factory = new GitHubFactory(TimeProvider.System, NullLoggerFactory.Instance, new SecretMasker()) { RetryBaseDelay = TimeSpan.FromMilliseconds(5) };
    }

    public async Task DisposeAsync()
    {
        Factory.Dispose();
        await GitHub.DisposeAsync();
    }

    /// <summary>A commit that sets the staging overlay to <paramref name="content"/>.</summary>
    protected static NewCommit Change(string content) =>
        new([new FileChange("environments/staging/kustomization.yaml", Encoding.UTF8.GetBytes(content))], new CommitAuthor("b", "b@e"), "deploy\n\nEnvironment: staging\n", DateTimeOffset.UnixEpoch);
}
