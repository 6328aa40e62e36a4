#!/usr/bin/env bash
# Logs in to the configured Pulumi backend and selects (creating if missing) the stack named $1 in deploy/azure/Infra.
# Backend: PULUMI_BACKEND_URL (e.g. azblob://state, with AZURE_STORAGE_ACCOUNT and PULUMI_CONFIG_PASSPHRASE) when set,
# else Pulumi Cloud (PULUMI_ACCESS_TOKEN; PULUMI_ORG prefixes the stack name). Prints the full stack name on stdout
# (everything else goes to stderr), or no-stack with --no-create when there is none; exits non-zero on any other failure.
# Callers assign the name to a variable under set -euo pipefail, check it, then write it to $GITHUB_OUTPUT: inside
# echo "name=$(pulumi-stack.sh ...)" a failure would be swallowed (tests/Workflows.Tests/WorkflowRules.cs, CheckShell).
# Usage: pulumi-stack.sh STACK [--no-create]   (--no-create: never creates the stack; what previews and destroys use)
set -euo pipefail
stack="$1"; create="${2:-}"
cd deploy/azure/Infra
if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
  : "${PULUMI_CONFIG_PASSPHRASE:?the Azure Blob backend needs the PULUMI_CONFIG_PASSPHRASE secret (it encrypts the secrets of the stack)}"
  pulumi login "$PULUMI_BACKEND_URL" >&2
else
  : "${PULUMI_ACCESS_TOKEN:?set the PULUMI_ACCESS_TOKEN secret (Pulumi Cloud) or the PULUMI_BACKEND_URL variable (Azure Blob backend)}"
  pulumi login >&2
fi
full="${PULUMI_ORG:+$PULUMI_ORG/}$stack"
if [ "$create" = "--no-create" ]; then
  # Only a stack that is not there is skipped; any other failure (login, backend) fails the step.
  stacks=$(pulumi stack ls --json)
  if ! jq -e --arg name "$stack" 'any(.[]; .name == $name or (.name | endswith("/" + $name)))' <<<"$stacks" >/dev/null; then
    echo "Stack $full does not exist; nothing to do." >&2
    echo "no-stack"
    exit 0
  fi
  pulumi stack select "$full" >&2
else
  pulumi stack select --create "$full" >&2
fi
echo "$full"
