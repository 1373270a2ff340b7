#!/usr/bin/env bash
# Installs graphql-js and GitHub's public schema (@octokit/graphql-schema) from package-lock.json into
# node_modules next to this script: GraphQlSchemaTests validate every document the action sends, and the
# fake's answers to them, with validate.mjs. Needs node and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
