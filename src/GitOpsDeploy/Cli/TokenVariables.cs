namespace GitOpsDeploy.Cli;

/// <summary>
/// On a terminal every token option can come from an environment variable instead, so a token never
/// sits in shell history or in ps. A flag given on the command line wins over its variable.
/// </summary>
public static class TokenVariables
{
    /// <summary>Token input (flag name) -> the environment variable read when the flag is not given.</summary>
    public static readonly IReadOnlyDictionary<string, string> ByInput = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gitops-token"] = "GITOPS_TOKEN",
        // The action's default for token is github.token; GITHUB_TOKEN is where that lives on a terminal.
        ["token"] = "GITHUB_TOKEN",
        ["argocd-token"] = "ARGOCD_TOKEN",
        ["registry-password"] = "REGISTRY_PASSWORD",
        ["prometheus-token"] = "PROMETHEUS_TOKEN",
    };

    /// <summary>Fills each token input the flags left unset from its variable, when that variable is set and not empty.</summary>
    public static Dictionary<string, string> Apply(Dictionary<string, string> inputs, IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (input, variable) in ByInput)
        {
            if (!inputs.ContainsKey(input) && environment.TryGetValue(variable, out var token) && token.Length > 0)
            {
                inputs[input] = token;
            }
        }

        return inputs;
    }
}
