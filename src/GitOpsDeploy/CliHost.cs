using GitOpsDeploy.ArgoCd;
using GitOpsDeploy.Cli;
using GitOpsDeploy.Commands;
using GitOpsDeploy.Core;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Core.Transport;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Git;
using GitOpsDeploy.GitHub;
using GitOpsDeploy.Manifests.Render;
using GitOpsDeploy.Oidc;
using GitOpsDeploy.Prometheus;
using GitOpsDeploy.Registry;
using GitOpsDeploy.Runtime;
using GitOpsDeploy.Supply;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy;

/// <summary>
/// Chooses the front door (the Actions runner's INPUT_* variables, or a command line), builds the
/// host with its modules and runs one command. Takes the environment and writers as arguments so
/// tests run the whole program in-process and in parallel, without touching process state.
/// </summary>
public static class CliHost
{
    public static async Task<int> RunAsync(
        string[] args,
        IReadOnlyDictionary<string, string> environment,
        TextWriter stdout,
        TextWriter stderr,
        CancellationToken cancellationToken,
        Action<IServiceCollection>? overrides = null)
    {
        var underRunner = environment.TryGetValue("GITHUB_ACTIONS", out var flag) && flag == "true";
        if (underRunner && args.Length > 0 && environment.Keys.Any(k => k.StartsWith("INPUT_", StringComparison.Ordinal)))
        {
            // A Docker action's 'args:' becomes the container's command: it would silently replace every input.
            // The arguments are not echoed: they may hold a token.
            stdout.WriteLine($"::error::{ActionsRuntime.EscapeData($"gitops-deploy was started with {args.Length} argument(s) as well as action inputs: a step's 'with: args:' replaces the container's command and would ignore every input. Remove 'args:' and configure the action with its inputs under 'with:'")}");
            return 2;
        }

        var actions = underRunner && args.Length == 0;
        if (actions)
        {
            using var host = BuildHost(environment, stdout, stderr, actions: true, overrides);
            var inputs = ActionInputs.Read(environment, InputCatalogue.InputNames);
            return await host.Services.GetRequiredService<DeployCommand>().RunAsync(inputs, cancellationToken);
        }

        if (CommandLineFrontDoor.Parse(args, stdout, stderr, out var refused) is not { } verb)
        {
            // Help, the version, or arguments refused with the reason.
            return refused;
        }

        using (var host = BuildHost(environment, stdout, stderr, actions: false, overrides))
        {
            var terminal = (TerminalRuntime)host.Services.GetRequiredService<IActionRuntime>();
            var exit = verb switch
            {
                ExampleVerb example => await host.Services.GetRequiredService<ExampleCommand>().RunAsync(example.Keep, cancellationToken),
                InitVerb init => host.Services.GetRequiredService<InitCommand>().Run(init),
                DeployVerb deploy => await DeployAsync(host, terminal, TokenVariables.Apply(deploy.ToInputs(), environment), environment, cancellationToken),
                _ => 2,
            };
            terminal.PrintOutputs();
            return exit;
        }
    }

    /// <summary>A local gitops repository is checked before the run, so a wrong path fails at once and says what to do.</summary>
    private static async Task<int> DeployAsync(IHost host, TerminalRuntime terminal, Dictionary<string, string> inputs, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var local = LocalGitOpsRepository.Check(inputs, environment);
        if (local.Warning is { } warning)
        {
            terminal.Warning(warning);
        }

        if (local.Error is { } error)
        {
            terminal.Error(error);
            return 1;
        }

        return await host.Services.GetRequiredService<DeployCommand>().RunAsync(inputs, cancellationToken);
    }

    private static IHost BuildHost(IReadOnlyDictionary<string, string> environment, TextWriter stdout, TextWriter stderr, bool actions, Action<IServiceCollection>? overrides)
    {
        // The empty builder: no configuration sources, content root or default logging to set up and throw away (start-up, docs/benchmarks.md).
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        var masker = new SecretMasker();
        var console = new ConsoleSink(stdout, stderr, masker);
        var debug = environment.TryGetValue("RUNNER_DEBUG", out var runnerDebug) && runnerDebug == "1";
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ActionsLoggerProvider(console, actions));
        builder.Logging.SetMinimumLevel(debug ? LogLevel.Debug : LogLevel.Information);

        var services = builder.Services;
        services.AddSingleton(masker);
        services.AddSingleton(console);
        services.AddSingleton(ActionInputs.Context(environment));
        var oidc = ActionInputs.Oidc(environment);
        // The request token lets anyone mint this job's ID tokens: masked before anything is printed.
        masker.Add(oidc.RequestToken);
        services.AddSingleton(oidc);
        services.AddSingleton(TimeProvider.System);
        // The promotion report's renderers (kubectl, kustomize, helm), found in the run's PATH and HELM_PATH.
        services.AddSingleton(RenderTools.Locate(environment));
        services.AddSingleton<IActionRuntime>(actions ? new ActionsRuntime(environment, console) : new TerminalRuntime(console));
        // A test's registrations come first: each module only adds what is not registered yet.
        overrides?.Invoke(services);
        services.AddGitOpsCore().AddGitOpsGit().AddGitOpsGitHub().AddGitOpsArgoCd().AddGitOpsPrometheus().AddGitOpsOidc();
        services.AddSingleton<IDeployServices, DeployServices>();
        services.AddSingleton<DeployCommand>();
        services.AddSingleton<ExampleCommand>();
        services.AddSingleton<InitCommand>();
        return builder.Build();
    }

    /// <summary>Picks the adapters a request needs; the modules above own how each is built.</summary>
    private sealed class DeployServices(GitWorkspaceFactory git, GitHubFactory github, ArgoCdFactory argoCd, PushgatewayFactory pushgateway, RunProofsFactory proofs, ActionContext context, IActionRuntime runtime, ILoggerFactory loggers, PrometheusAnalysisFactory prometheus) : IDeployServices
    {
        public DeployPorts Ports(DeployRequest request, ICollection<IDisposable> owned)
        {
            return new DeployPorts(Repository(request, owned))
            {
                Proofs = context.IsGitHubActions ? Own(proofs.Create(), owned) : null,
                PullRequests = PullRequests(request),
                Deployments = Deployments(request),
                SourceCommits = request.Token is { } token && request.Source.Repository is { } source && context.ApiUrl is { } api ? github.SourceCommits(api, token, source, context.GraphQlUrl) : null,
                SourceHistory = request.Token is { } historyToken && request.Source.Repository is not null && context.ApiUrl is { } historyApi ? github.SourceHistory(historyApi, historyToken, context.GraphQlUrl) : null,
                ArgoCd = request.Reporting.ArgoCd is { } argo ? Own(argoCd.Create(argo), owned) : null,
                Metrics = request.Reporting.PushgatewayUrl is { } url ? Own(pushgateway.Create(url), owned) : null,
                Registry = request.Supply.UsesRegistry ? Own(Registry(request), owned) : null,
                Attestations = request.Supply.VerifyAttestations && request.Token is { } readToken && context.ApiUrl is { } apiUrl ? github.Attestations(apiUrl, readToken, context.GraphQlUrl) : null,
                Analysis = request.Analysis.Enabled ? Own(prometheus.Create(request.Analysis.Token), owned) : null,
            };
        }

        /// <summary>The images' registries (pin, verify-attestations): registry-username/password for their registry (<see cref="RegistryImages.CredentialsHost"/>), the source token for the GitHub host's own registry.</summary>
        private RegistryImages Registry(DeployRequest request)
        {
            var credentials = request.Supply.RegistryPassword is { } password ? new RegistryCredentials(request.Supply.RegistryUsername, password) : null;
            var host = credentials is null ? null : RegistryImages.CredentialsHost(request.Supply.RegistryHost, request.Change.Images.Where(i => i.Tag.Kind == SpecPartKind.Set || i.Digest.Kind == SpecPartKind.Set).Select(i => i.Repository));
            return new RegistryImages(credentials, host, context.GitHub?.ContainerRegistry, request.Token, loggers.CreateLogger<RegistryImages>());
        }

        /// <summary>
        /// The transport, chosen once: commit-method picks the adapter behind the repository port and nothing else
        /// changes. The API one holds the git one back for a change it cannot write faithfully (an executable file).
        /// </summary>
        private IGitOpsRepository Repository(DeployRequest request, ICollection<IDisposable> owned)
        {
            if (request.Landing.CommitMethod == CommitMethod.Api)
            {
                var token = request.GitOpsToken ?? throw DeployException.Input("gitops-token", $"is required for commit-method 'api' (it commits through GitHub's API on {request.GitOps.Display})");
                var api = github.Repository(context.ApiUrl!, context.GraphQlUrl, token, request.GitOps.Repository!);
                return new ExecutableFallback(api, () => GitRepository(request, owned), message => runtime.Warning(message));
            }

            return GitRepository(request, owned);
        }

        /// <summary>The workspace keeps its last clone for a retry: it is disposed with the run.</summary>
        private IGitOpsRepository GitRepository(DeployRequest request, ICollection<IDisposable> owned) => Own(git.Create(request.GitOps, request.GitOpsToken), owned);

        private IPullRequests? PullRequests(DeployRequest request)
        {
            if (!request.Landing.UsesPullRequest)
            {
                return null;
            }

            var token = request.GitOpsToken ?? throw DeployException.Input("gitops-token", $"is required for mode '{request.Landing.Mode}' (it opens pull requests on {request.GitOps.Display})");
            return github.PullRequests(context.ApiUrl!, context.GraphQlUrl, token, request.GitOps.Repository!);
        }

        private IDeployments? Deployments(DeployRequest request)
        {
            if (!request.Reporting.Deployment || request.Source.Repository is null || context.ApiUrl is null)
            {
                return null;
            }

            if (request.Token is null)
            {
                loggers.CreateLogger<DeployServices>().LogWarning("No 'token' for {Repository}: skipping the GitHub Deployment (pass token: ${{{{ github.token }}}} or set deployment: false)", request.Source.Repository);
                return null;
            }

            return github.Deployments(context.ApiUrl, context.GraphQlUrl, request.Token, request.Source.Repository);
        }

        private static T Own<T>(T client, ICollection<IDisposable> owned)
        {
            if (client is IDisposable disposable)
            {
                owned.Add(disposable);
            }

            return client;
        }
    }
}
