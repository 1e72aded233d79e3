/**
 * --fresh-cluster through the CLI, on a cluster of this test's own
 * (KUBE_CLUSTER_NAME/KUBE_STATE_DIR; never the shared pipeline-actions
 * one): a cluster with a namespace left from an earlier run is deleted
 * before the run, and the run says so.
 */
import { requireOrSkip } from '@pipeline/action-kit/testing';
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runnerDir = path.join(root, 'packages/pipeline-runner');
const clusterScript = path.join(root, 'tools/kube/cluster.sh');
const temps: string[] = [];
const state = await mkdtemp(path.join(tmpdir(), 'fresh-cluster-state-'));
temps.push(state);
const env = {
  ...process.env,
  KUBE_CLUSTER_NAME: `fresh-test-${process.pid}`,
  KUBE_STATE_DIR: state,
  KUBE_NODES: '1',
  KUBE_MONITORING_CRDS: '0',
  KUBE_REAL_NODE: '0',
};

const withKube = requireOrSkip({
  what: 'the Kubernetes binaries (tools/kube/bin/kwokctl)',
  available: existsSync(path.join(root, 'tools/kube/bin/kwokctl')),
  howToGet: 'run tools/kube/build.sh (or npm run cluster:up once)',
  requiredBy: 'REQUIRE_KUBE',
});

const cluster = (...args: string[]) => spawnSync(clusterScript, args, { env, encoding: 'utf8', timeout: 300_000 });

afterAll(async () => {
  cluster('down');
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

(withKube ? describe : describe.skip)('npm run pipeline -- --fresh-cluster', () => {
  it('deletes the cluster, with what earlier runs left in it, before the run', async () => {
    const up = cluster('up');
    expect(up.status).toBe(0);
    const kubeconfig = up.stdout.trim().split('\n').pop() ?? '';
    execFileSync(path.join(root, 'tools/kube/bin/kubectl'), [
      '--kubeconfig',
      kubeconfig,
      'create',
      'namespace',
      'left-over',
    ]);

    const repo = await mkdtemp(path.join(tmpdir(), 'fresh-cluster-repo-'));
    temps.push(repo);
    await cp(path.join(root, 'fixtures/adopter-repo'), repo, {
      recursive: true,
      filter: (s) => !s.includes('node_modules'),
    });
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, ...args], {
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@e',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@e',
        },
      });
    git('init', '-q', '-b', 'develop');
    git('add', '-A');
    git('commit', '-q', '-m', 'fixture');
    const reportDir = await mkdtemp(path.join(tmpdir(), 'fresh-cluster-report-'));
    temps.push(reportDir);
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        './src/hooks.ts',
        './src/cli.ts',
        repo,
        '--report-dir',
        reportDir,
        '--input',
        'stages=',
        '--fresh-cluster',
      ],
      { cwd: runnerDir, encoding: 'utf8', env: { ...env, INIT_CWD: runnerDir }, timeout: 300_000 },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `pipeline: --fresh-cluster: deleted the local cluster ${env.KUBE_CLUSTER_NAME} (${state}) before the run (tools/kube/cluster.sh down)`,
    );
    // Gone: the namespace with it; a job that needs a cluster would start a new, empty one.
    expect(cluster('status').status).toBe(1);
  });
});
