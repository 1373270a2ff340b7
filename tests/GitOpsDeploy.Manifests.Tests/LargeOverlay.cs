using System.Globalization;
using System.Text;
using GitOpsDeploy.Manifests.Files;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>An overlay of many resources: deployments sharing one image, a ConfigMap and a Secret each, for budget and cost checks.</summary>
internal static class LargeOverlay
{
    /// <summary><paramref name="resources"/> resources: half Deployments, then ConfigMaps, and five Secrets.</summary>
    public static InMemoryManifestFiles Create(int resources, string tag = "1.0.0")
    {
        var files = new InMemoryManifestFiles();
        var base_ = new StringBuilder();
        var deployments = resources / 2;
        for (var i = 0; i < resources; i++)
        {
            var n = i.ToString("000", CultureInfo.InvariantCulture);
            if (i < deployments)
            {
                base_.Append(CultureInfo.InvariantCulture, $"""
                    ---
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata:
                      name: svc-{n}
                      labels: {"{"}app: svc-{n}{"}"}
                    spec:
                      replicas: 2
                      selector:
                        matchLabels: {"{"}app: svc-{n}{"}"}
                      template:
                        metadata:
                          labels: {"{"}app: svc-{n}{"}"}
                        spec:
                          containers:
                            - name: app
                              image: ghcr.io/acme/platform
                              args: ["--service", "svc-{n}"]
                              resources:
                                requests: {"{"}cpu: 10m, memory: 32Mi{"}"}

                    """);
            }
            else if (i < resources - 5)
            {
                base_.Append(CultureInfo.InvariantCulture, $"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-{n}\ndata:\n  key: value-{n}\n");
            }
            else
            {
                base_.Append(CultureInfo.InvariantCulture, $"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-{n}\nstringData:\n  password: pw-{n}\n");
            }
        }

        files.Add("base/resources.yaml", base_.ToString());
        files.Add("base/kustomization.yaml", "resources:\n  - resources.yaml\n");
        files.Add("env/prod/kustomization.yaml", Kustomization(tag));
        return files;
    }

    public static string Kustomization(string tag) => $"namespace: prod\nresources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/platform\n    newTag: \"{tag}\"\n";
}
