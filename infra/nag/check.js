#!/usr/bin/env node
// Runs the cdk-nag AwsSolutions and Serverless rule packs over the CloudFormation templates that the C# CDK app synthesized.
//
// The C# cdk-nag package isn't available, so this loads each stack template from a cloud assembly (cdk.out) into a
// TypeScript Stack with CfnInclude, turns the suppressions written in C# as resource metadata
// (cdk_nag.rules_to_suppress: [{ id, reason, applies_to? }], the format cdk-nag itself writes) to the findings,
// and fails on any finding, error or warning, that no suppression covers.
//
// Usage: node check.js <cloud assembly dir> [more dirs...]     Exit code: 0 clean, 1 findings, 2 usage/load error.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { App, Stack, CfnResource } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag');

const packs = [AwsSolutionsChecks, ServerlessChecks];

function stackTemplates(assemblyDir) {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`${assemblyDir} is not a cloud assembly (no manifest.json). Run the synth first.`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([name, artifact]) => ({ name, file: path.join(assemblyDir, artifact.properties.templateFile) }));
}

// Suppressions written in C# as metadata, keyed by construct path. They apply as in cdk-nag v2: a rule without
// applies_to covers every finding of that rule on the resource; with applies_to, only the findings listed
// (granular rules such as IAM4 and IAM5 report `RuleId[finding]`).
function suppressionsByPath(scope) {
  const byPath = new Map();
  for (const construct of scope.node.findAll()) {
    if (!CfnResource.isCfnResource(construct)) continue;
    const rules = construct.cfnOptions.metadata?.cdk_nag?.rules_to_suppress ?? [];
    for (const rule of rules) {
      if (!rule.id || typeof rule.reason !== 'string' || rule.reason.length < 10) {
        throw new Error(`${construct.node.path}: every suppression needs an id and a real reason (${JSON.stringify(rule)})`);
      }
    }
    if (rules.length > 0) byPath.set(construct.node.path, rules);
  }
  return byPath;
}

function isSuppressed(rules, ruleName) {
  const match = /^([^[]+)(?:\[(.*)\])?$/.exec(ruleName);
  const [, id, finding] = match;
  return (rules ?? []).some((rule) =>
    rule.id === id && (!rule.applies_to?.length || (finding !== undefined && rule.applies_to.includes(finding))));
}

function checkTemplate({ name, file }) {
  const app = new App();
  const stack = new Stack(app, name);
  const template = new CfnInclude(stack, 'Template', { templateFile: file });
  const suppressions = suppressionsByPath(template);
  const violations = packs.flatMap((Pack) => new Pack(undefined, { verbose: true }).validateScope(stack).violations);
  let suppressed = 0;
  const findings = [];
  for (const violation of violations) {
    if (violation.severity !== 'error' && violation.severity !== 'warning') continue;
    const open = violation.violatingResources.filter((r) => !isSuppressed(suppressions.get(r.constructPath), violation.ruleName));
    suppressed += violation.violatingResources.length - open.length;
    if (open.length > 0) findings.push({ ...violation, violatingResources: open });
  }
  return { suppressed, findings, resources: template.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length };
}

function main(dirs) {
  if (dirs.length === 0) {
    console.error('usage: node check.js <cloud assembly dir> [more dirs...]');
    return 2;
  }
  let failed = 0;
  for (const dir of dirs) {
    for (const stack of stackTemplates(path.resolve(dir))) {
      const { suppressed, findings, resources } = checkTemplate(stack);
      const relative = path.relative(process.cwd(), stack.file);
      const where = relative.startsWith('..') ? stack.file : relative;
      if (findings.length === 0) {
        console.log(`cdk-nag AwsSolutions+Serverless: ${where}: clean (${resources} resources checked, ${suppressed} findings suppressed with a reason)`);
        continue;
      }
      failed += findings.length;
      console.log(`cdk-nag AwsSolutions+Serverless: ${where}: ${findings.length} unsuppressed finding(s)`);
      for (const finding of findings) {
        console.log(`  [${finding.severity}] ${finding.ruleName}: ${finding.description}`);
        for (const resource of finding.violatingResources) {
          console.log(`      at ${resource.constructPath}`);
        }
      }
    }
  }
  if (failed > 0) {
    console.log('Fix the resource, or add a suppression with a real reason in the C# code (Nag.Suppress).');
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`cdk-nag check failed to run: ${error.message}`);
  process.exitCode = 2;
}
