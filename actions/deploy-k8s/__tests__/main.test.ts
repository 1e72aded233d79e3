/**
 * main() with its I/O injected: the real inputs parser and manifest loader
 * over a temporary workspace, FakeKube as the cluster, outputs and summary
 * collected. (The bundle against a real API server is deploy.e2e.test.ts.)
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { maskingReader, parseInputs } from '../src/inputs.js';
import { KubeError } from '../src/kube.js';
import { main, runnerIo, type MainIo } from '../src/main.js';
import { loadManifests } from '../src/manifests.js';
import { FakeKube } from './helpers/fake-kube.js';
import { workspace } from './helpers/workspace.js';

const token = 'tok-main-test-0123456789abcdef';
const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://fake.invalid\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user:\n    token: ${token}\n`;
const manifests =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n';

interface Run {
  outputs: Record<string, string>;
  summary: string;
  masked: string[];
  logs: string[];
  error: unknown;
}

async function runMain(api: FakeKube, inputs: Record<string, string>): Promise<Run> {
  const ws = await workspace({ 'k8s/app.yaml': manifests });
  const runnerTemp = await mkdtemp(path.join(tmpdir(), 'deploy-k8s-main-'));
  const run: Run = { outputs: {}, summary: '', masked: [], logs: [], error: undefined };
  const values: Record<string, string> = {
    kubeconfig,
    namespace: 'shop',
    manifests: 'k8s',
    timeout: '30s',
    wait: 'false',
    ...inputs,
  };
  const env = {
    GITHUB_WORKSPACE: ws,
    RUNNER_TEMP: runnerTemp,
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_RUN_ID: '5',
    GITHUB_RUN_ATTEMPT: '1',
  };
  let clock = 1_000;
  const io: MainIo = {
    ...runnerIo,
    getInputs: () =>
      parseInputs(
        maskingReader(
          (name) => values[name] ?? '',
          (v) => void run.masked.push(v),
        ),
        env,
      ),
    ambientKubeconfigs: async () => [],
    preloadClient: () => undefined,
    connect: async () => api,
    loadManifests,
    setOutput: (name, value) => void (run.outputs[name] = value),
    writeSummary: async (build) => void (run.summary = build()),
    info: (m) => void run.logs.push(m),
    warning: (m) => void run.logs.push(`warning: ${m}`),
    phase: (_name, body) => body(),
    process: undefined,
    clock: () => (clock += 500),
    pid: 1,
  };
  await main(io).catch((error: unknown) => void (run.error = error));
  return run;
}

describe('main (injected I/O, fake API)', () => {
  it('deploys, writes every output and a summary without the kubeconfig secrets, and holds the lock as the run', async () => {
    const api = new FakeKube();
    let holder: unknown;
    api.beforeWrite = () => void (holder ??= [...api.objects.values()].find((o) => o.kind === 'Lease')?.['spec']);
    const run = await runMain(api, {});
    expect(run.error).toBeUndefined();
    expect(run.outputs).toEqual({
      status: 'deployed',
      revision: '',
      'previous-revision': '',
      'backup-file': expect.stringMatching(
        /deploy-k8s-main-.*\/deploy-k8s\/deploy-k8s-backup-.*\.yaml$/,
      ) as unknown as string,
      'duration-seconds': '0.5',
      resources: expect.any(String) as unknown as string,
      skipped: '[]',
      'generated-manifests': '',
      // rolling: no analysis, no paused canary, no GitHub deployment
      analysis: '{}',
      canary: '',
      'deployment-id': '',
      // a Service but no workload running the image: nothing for a smoke test to reach
      service: '',
    });
    expect(
      (JSON.parse(run.outputs['resources'] as string) as { kind: string; result: string }[]).map((r) => [
        r.kind,
        r.result,
      ]),
    ).toEqual([
      ['ConfigMap', 'applied'],
      ['Service', 'applied'],
    ]);
    expect(run.masked).toContain(token);
    expect(run.summary).toContain('## deploy-k8s: deployed');
    expect(run.summary).not.toContain(token);
    expect(holder).toMatchObject({ holderIdentity: 'https://github.com/o/r/actions/runs/5/attempts/1' });
    expect(
      api.objects.get('|ConfigMap|shop|web-config')?.metadata.annotations?.['deploy-k8s.pipeline-actions.io/run-url'],
    ).toBe('https://github.com/o/r/actions/runs/5/attempts/1');
  });

  it('after a rollback, reports rolled-back and fails the step with the reason', async () => {
    const api = new FakeKube();
    const apply = api.apply;
    api.apply = async (object, opts) => {
      if (!opts.dryRun && object.kind === 'Service') throw new KubeError('Applying Service/web: quota exceeded', 403);
      return apply(object, opts);
    };
    const run = await runMain(api, {});
    expect(run.outputs['status']).toBe('rolled-back');
    expect(run.error).toBeInstanceOf(Error);
    expect((run.error as Error).message).toMatch(
      /^k8s\/app\.yaml \(document 2\) Service\/web: Applying Service\/web: quota exceeded\nRolled back: /,
    );
    expect(run.summary).toContain('## deploy-k8s: rolled back');
    expect(api.objects.get('|ConfigMap|shop|web-config')).toBeUndefined();
  });

  it('on a bad input, writes status failed and the error, masking the kubeconfig it could not use', async () => {
    const run = await runMain(new FakeKube(), { timeout: 'soon', kubeconfig: `garbage ${token}` });
    expect((run.error as Error).message).toMatch(/^Input 'kubeconfig' is not a usable kubeconfig/);
    expect(run.masked).toContain(`garbage ${token}`);
    expect(run.outputs).toMatchObject({ status: 'failed', resources: '[]', 'backup-file': '' });
    expect(run.summary).toContain('**Failed:**');
  });
});
