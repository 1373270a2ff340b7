# syntax=docker/dockerfile:1
# Build: restore from project files first so the package layer is cached across source changes.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/GitOpsDeploy/GitOpsDeploy.csproj src/GitOpsDeploy/
COPY src/GitOpsDeploy.Core/GitOpsDeploy.Core.csproj src/GitOpsDeploy.Core/
COPY src/GitOpsDeploy.Git/GitOpsDeploy.Git.csproj src/GitOpsDeploy.Git/
COPY src/GitOpsDeploy.GitHub/GitOpsDeploy.GitHub.csproj src/GitOpsDeploy.GitHub/
COPY src/GitOpsDeploy.ArgoCd/GitOpsDeploy.ArgoCd.csproj src/GitOpsDeploy.ArgoCd/
COPY src/GitOpsDeploy.Prometheus/GitOpsDeploy.Prometheus.csproj src/GitOpsDeploy.Prometheus/
RUN dotnet restore src/GitOpsDeploy/GitOpsDeploy.csproj -r linux-x64 -p:PublishReadyToRun=true -p:PublishTrimmed=true
COPY src/ src/
# Self-contained for linux-x64 (libgit2's native library ships with it), ReadyToRun for start-up,
# trimmed with Octokit, CommandLineParser and LibGit2Sharp rooted (see GitOpsDeploy.csproj).
# tests/GitOpsDeploy.Tests/App/PublishedBinaryTests.cs runs these two lines and the result end to end.
RUN dotnet publish src/GitOpsDeploy/GitOpsDeploy.csproj -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true -p:PublishTrimmed=true --no-restore -o /app

# Run: Debian slim with only the native dependencies of .NET and libgit2 (libssl, CA certificates).
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
COPY --from=build /app /app
# The runner mounts the workspace owned by root.
USER root
ENTRYPOINT ["/app/gitops-deploy"]
