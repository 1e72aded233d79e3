/** The provisioning table's lookups and the reference scan that decides what a job gets. */
import { describe, expect, it } from '@jest/globals';
import {
  PROVISIONING,
  actionRule,
  nameProvision,
  remoteActionSkip,
  serviceStandIn,
} from '../src/provisioning/table.js';
import { contextReferences, expressionReferences } from '../src/references.js';
import { loadWorkflow, rawJob } from '../src/workflow.js';

describe('the provisioning table', () => {
  it.each<[string, string | undefined]>([
    ['postgres:17', 'PostgreSQL'],
    ['docker.io/library/postgres:16-alpine', 'PostgreSQL'],
    ['postgres@sha256:abc', 'PostgreSQL'],
    ['redis:7', 'Redis'],
    ['redis', 'Redis'],
    ['postgresql-custom:1', undefined],
    ['mysql:8', undefined],
    ['ghcr.io/acme/redis:7', undefined],
  ])('service image %s → %s', (image, label) => expect(serviceStandIn(image)?.label).toBe(label));

  it.each<[string, string | undefined, string | undefined]>([
    ['STAGING_KUBECONFIG', 'cluster-kubeconfig', undefined],
    ['KUBECONFIG', 'cluster-kubeconfig', undefined],
    ['SLACK_TOKEN', undefined, undefined],
    ['STAGING_URL', undefined, 'service-url'],
    ['PROMETHEUS_URL', undefined, 'prometheus-url'],
    ['STAGING_PROMETHEUS_URL', undefined, 'service-url'],
    ['URL_PREFIX', undefined, undefined],
  ])('%s: as a secret %s, as a variable %s', (name, asSecret, asVar) => {
    expect(nameProvision(name, PROVISIONING.secrets)).toBe(asSecret);
    expect(nameProvision(name, PROVISIONING.vars)).toBe(asVar);
  });

  it.each<[string, Record<string, unknown> | undefined]>([
    ['./.pipeline-actions/actions/smoke-test', { needs: 'service' }],
    ['./.pipeline-actions/actions/deploy-k8s/', { deployedManifestsInput: 'manifests' }],
    ['acme/pipeline-actions/actions/deploy-k8s@v1', { deployedManifestsInput: 'manifests' }],
    ['./.pipeline-actions/actions/containerize', { engineImageInput: 'probe-image' }],
    ['./.pipeline-actions/actions/quality', undefined],
  ])('action %s', (uses, expected) => {
    const rule = actionRule(uses);
    if (expected === undefined) expect(rule).toBeUndefined();
    else expect(rule).toMatchObject(expected);
  });

  // replaceable: the job is still complete without the step; otherwise the job ends incomplete.
  it.each<[string, RegExp, boolean]>([
    ['docker://alpine:3', /container action: not run locally/, false],
    ['docker/unknown-action@abc', /no local emulation of this docker action/, false],
    ['actions/setup-python@abc', /tool cache; the local run uses the tools on PATH/, true],
    ['actions/setup-node@abc', new RegExp(`Node ${process.version.replace(/\./g, '\\.')}`), true],
    ['actions/cache/restore@abc', /cache service/, true],
    ['aquasecurity/setup-trivy@abc', /the project's Trivy .* on PATH/, true],
    ['github/codeql-action/upload-sarif@abc', /code scanning; the findings are gated/, true],
    ['github/codeql-action/analyze@abc', /needs GitHub code scanning/, false],
    // Codecov's dashboard is all that is missing: the coverage summary and artifact are the local record.
    [
      'codecov/codecov-action@671740ac38dd9b0130fbe1cec585b89eea48d3de',
      /^needs codecov\.io: not reachable locally/,
      true,
    ],
    ['Someone/Else@abc', /remote action someone\/else needs GitHub to download it/, false],
  ])('remote action %s', (uses, reason, replaceable) => {
    const skip = remoteActionSkip(uses);
    expect(skip.reason).toMatch(reason);
    expect(skip.replaceable).toBe(replaceable);
  });
});

describe('context references', () => {
  it.each<[string, string, string[]]>([
    ['secrets.STAGING_KUBECONFIG', 'secrets', ['STAGING_KUBECONFIG']],
    ["secrets['PRODUCTION_KUBECONFIG'] || secrets.OTHER", 'secrets', ['PRODUCTION_KUBECONFIG', 'OTHER']],
    ["format('{0}', vars.STAGING_URL)", 'vars', ['STAGING_URL']],
    ['needs.secrets.X', 'secrets', []],
    ['inputs.secrets', 'secrets', []],
    ['secrets', 'secrets', []],
    ["'secrets.NOT_READ'", 'secrets', []],
  ])('%s reads %s %j', (expression, context, names) =>
    expect(expressionReferences(expression, context)).toEqual(names),
  );

  it('finds references in with:, env:, embedded strings and if: of a job', async () => {
    const workflow = await loadWorkflow(
      'w.yml',
      `on: push
jobs:
  j:
    runs-on: x
    env:
      A: \${{ secrets.FROM_ENV }}
    steps:
      - if: vars.FROM_IF != ''
        uses: ./x
        with:
          kubeconfig: \${{ secrets.STAGING_KUBECONFIG }}
          text: "prefix \${{ secrets.EMBEDDED }} suffix"
      - run: echo \${{ vars.NOT_A_SECRET }}
`,
    );
    expect(contextReferences(rawJob(workflow, 'j'), 'secrets').sort()).toEqual([
      'EMBEDDED',
      'FROM_ENV',
      'STAGING_KUBECONFIG',
    ]);
    expect(contextReferences(rawJob(workflow, 'j'), 'vars')).toEqual(['FROM_IF', 'NOT_A_SECRET']);
  });
});
