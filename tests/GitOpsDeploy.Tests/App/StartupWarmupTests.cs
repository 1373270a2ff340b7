using System.Text;
using GitOpsDeploy.Runtime;

namespace GitOpsDeploy.Tests.App;

/// <summary>The start-up warm-up swallows whatever it throws; this checks it really plans an edit, so it warms what the run needs next.</summary>
public sealed class StartupWarmupTests
{
    [Fact]
    public void The_warm_up_plans_a_real_image_edit_byte_exactly()
    {
        var text = Encoding.UTF8.GetString(StartupWarmup.Plan());

        Assert.Contains("    newTag: \"1.0.1\" # pinned\n", text);
        Assert.Equal("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: web\n    newName: registry.example/web\n    newTag: \"1.0.1\" # pinned\n", text);
    }
}
