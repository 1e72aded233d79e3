/**
 * pipeline.yml's contract with the two SaaS it talks to: the Codecov upload
 * in the test job (pinned codecov/codecov-action, inputs that exist at that
 * commit, token and failure policy from the caller) and the Slack API base
 * URL reaching every notify step.
 */
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: {
    workflow_call: {
      inputs: Record<string, { type: string; default?: unknown }>;
      secrets: Record<string, { required?: boolean }>;
    };
  };
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }>;
}

async function pipeline(): Promise<{ text: string; workflow: Workflow }> {
  const text = await readFile(path.join(root, '.github/workflows/pipeline.yml'), 'utf8');
  return { text, workflow: parse(text) as Workflow };
}

/** codecov/codecov-action v5.5.2's inputs, from its action.yml at 671740ac38dd9b0130fbe1cec585b89eea48d3de. */
const CODECOV_INPUTS = new Set(
  (
    'base_sha binary codecov_yml_path commit_parent directory disable_file_fixes disable_search ' +
    'disable_safe_directory disable_telem dry_run env_vars exclude fail_ci_if_error files flags force ' +
    'git_service gcov_args gcov_executable gcov_ignore gcov_include handle_no_reports_found job_code name ' +
    'network_filter network_prefix os override_branch override_build override_build_url override_commit ' +
    'override_pr plugins recurse_submodules report_code report_type root_dir run_command skip_validation slug ' +
    'swift_project token url use_legacy_upload_endpoint use_oidc use_pypi verbose version working-directory'
  ).split(' '),
);

describe('the Codecov upload in the test job', () => {
  it('is codecov/codecov-action pinned by the full SHA of v5.5.2', async () => {
    const { text } = await pipeline();
    const lines = text.split('\n').filter((l) => l.includes('codecov/codecov-action'));
    expect(lines.map((l) => l.trim())).toEqual([
      'uses: codecov/codecov-action@671740ac38dd9b0130fbe1cec585b89eea48d3de # v5.5.2',
    ]);
  });

  it('runs after the summary and the artifact, passes only inputs the action has, token and failure policy from the caller', async () => {
    const { workflow } = await pipeline();
    const steps = workflow.jobs['test']?.steps ?? [];
    const at = (pred: (s: Step) => boolean): number => steps.findIndex(pred);
    const upload = at((s) => s.uses?.startsWith('codecov/') ?? false);
    const summary = at((s) => s.name === 'Summarise coverage');
    const artifact = at((s) => s.uses?.startsWith('actions/upload-artifact') ?? false);
    expect(upload).toBeGreaterThan(summary);
    expect(upload).toBeGreaterThan(artifact);
    expect(summary).toBeGreaterThan(-1);
    const step = steps[upload] as Step;
    // A failed test run still uploads what coverage it wrote, as the artifact does; `codecov: false` turns it off.
    expect(step.if).toBe('${{ !cancelled() && inputs.codecov }}');
    expect(Object.keys(step.with ?? {}).filter((k) => !CODECOV_INPUTS.has(k))).toEqual([]);
    expect(step.with).toMatchObject({
      directory: '${{ inputs.service-directory }}/${{ inputs.coverage-directory }}',
      token: '${{ secrets.CODECOV_TOKEN }}',
      fail_ci_if_error: '${{ inputs.codecov-fail-on-error }}',
    });
    // The summary step reads only the coverage files, never the upload.
    expect(JSON.stringify(steps[summary])).not.toMatch(/codecov/i);
  });

  it('declares the secret as optional and the inputs with their defaults', async () => {
    const { workflow } = await pipeline();
    const call = workflow.on.workflow_call;
    expect(call.secrets['CODECOV_TOKEN']).toEqual(expect.objectContaining({ required: false }));
    expect(call.inputs['codecov']).toMatchObject({ type: 'boolean', default: true });
    expect(call.inputs['codecov-fail-on-error']).toMatchObject({ type: 'boolean', default: false });
    // No id-token here: a called workflow that asks for a permission its caller did not grant does not start at all.
    expect(workflow.jobs['test']?.permissions).toEqual({ contents: 'read' });
  });

  it('every documented secret and input is in docs', async () => {
    const secrets = await readFile(path.join(root, 'docs/secrets-and-permissions.md'), 'utf8');
    const adopting = await readFile(path.join(root, 'docs/adopting.md'), 'utf8');
    expect(secrets).toContain('`CODECOV_TOKEN`');
    for (const input of ['`codecov`', '`codecov-fail-on-error`', '`slack-api-url`']) expect(adopting).toContain(input);
  });
});

describe('the OIDC upload workflow', () => {
  it('gives id-token: write to its one job only, and uploads with OIDC from the same pinned action', async () => {
    const text = await readFile(path.join(root, '.github/workflows/codecov-oidc.yml'), 'utf8');
    const workflow = parse(text) as Workflow & { permissions: unknown };
    expect(workflow.permissions).toEqual({});
    expect(Object.entries(workflow.jobs).map(([id, j]) => [id, j.permissions])).toEqual([
      ['upload', { contents: 'read', 'id-token': 'write' }],
    ]);
    const steps = workflow.jobs['upload']?.steps ?? [];
    // It runs no repository code: only pinned actions.
    expect(steps.filter((s) => s.run !== undefined)).toEqual([]);
    const upload = steps.find((s) => s.uses?.startsWith('codecov/'));
    expect(upload?.uses).toBe('codecov/codecov-action@671740ac38dd9b0130fbe1cec585b89eea48d3de');
    expect(Object.keys(upload?.with ?? {}).filter((k) => !CODECOV_INPUTS.has(k))).toEqual([]);
    expect(upload?.with).toMatchObject({ use_oidc: true, fail_ci_if_error: '${{ inputs.fail-on-error }}' });
    expect(upload?.with?.['token']).toBeUndefined();
    const download = steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with?.['name']).toBe('${{ inputs.coverage-artifact }}');
    expect(workflow.on.workflow_call.inputs['coverage-artifact']?.default).toBe('coverage');
  });
});

describe('the Slack API base URL', () => {
  it("reaches every notify step, defaulting to notify's own default", async () => {
    const { workflow } = await pipeline();
    const notifySteps = Object.values(workflow.jobs).flatMap((j) =>
      j.steps.filter((s) => s.uses?.endsWith('/actions/notify')),
    );
    expect(notifySteps.length).toBeGreaterThanOrEqual(2);
    for (const step of notifySteps)
      expect([step.name, step.with?.['slack-api-url']]).toEqual([step.name, '${{ inputs.slack-api-url }}']);
    const notify = parse(await readFile(path.join(root, 'actions/notify/action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    expect(workflow.on.workflow_call.inputs['slack-api-url']?.default).toBe(notify.inputs['slack-api-url']?.default);
  });
});

describe('monitoring inputs', () => {
  it('prometheus-url reaches every smoke-test step, unknown-kinds both deploys; both documented', async () => {
    const { workflow } = await pipeline();
    const steps = (suffix: string) =>
      Object.values(workflow.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.endsWith(suffix)));
    const smoke = steps('/actions/smoke-test');
    expect(smoke.length).toBe(3);
    for (const step of smoke)
      expect([step.name, step.with?.['prometheus-url']]).toEqual([step.name, '${{ inputs.prometheus-url }}']);
    // The two deploys of the service (rollback-production's restore re-applies a backup of served kinds only).
    const deploys = steps('/actions/deploy-k8s').filter((s) => s.with?.['generated-profile'] !== undefined);
    expect(deploys.length).toBe(2);
    for (const step of deploys)
      expect([step.name, step.with?.['unknown-kinds']]).toEqual([step.name, '${{ inputs.unknown-kinds }}']);
    const deployK8s = parse(await readFile(path.join(root, 'actions/deploy-k8s/action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    expect(workflow.on.workflow_call.inputs['unknown-kinds']).toMatchObject({
      type: 'string',
      default: deployK8s.inputs['unknown-kinds']?.default,
    });
    expect(workflow.on.workflow_call.inputs['prometheus-url']).toMatchObject({ type: 'string', default: '' });
    const adopting = await readFile(path.join(root, 'docs/adopting.md'), 'utf8');
    for (const input of ['`prometheus-url`', '`unknown-kinds`']) expect(adopting).toContain(input);
  });
});
