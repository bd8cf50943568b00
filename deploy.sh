#!/usr/bin/env bash
# Deploys ChatBot to your AWS account with the AWS CDK CLI version package.json pins (installed here on first use).
# The CDK app builds the API package and the web app itself, once per change of their sources, so this is the only step:
#   ./deploy.sh                           deploy: full profile on Amazon Bedrock
#   ./deploy.sh -c profile=minimal        any context value: -c llm=fargate, -c llm=lambda, ... (docs/architecture.md)
#   ./deploy.sh bootstrap                 any other CDK command: bootstrap (once per account and region), synth, diff, destroy
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Node 20 is supported by the CDK this app uses; its end-of-life banner is noise.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

if [ ! -x node_modules/.bin/cdk ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# No command, or only options: deploy every stack (with -c waf=true there are two, the web ACL's first).
case "${1:-}" in
  "" | -*) set -- deploy --all "$@" ;;
esac
exec node_modules/.bin/cdk "$@"
