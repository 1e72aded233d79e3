/**
 * The local runner against the adopter fixture, copied into a separate git
 * repository: the caller's pinned reference resolves to this checkout's
 * commit and its actions, a clean run passes, and a lint error fails the
 * quality stage and holds back build and deploy as the workflow says.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPipeline } from '../src/runner.js';
import type { RunReport } from '../src/runner.js';
import { toHtml, toMarkdown } from '../src/report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = path.join(root, 'fixtures/adopter-repo');
const temps: string[] = [];

afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();

/** A separate repository with the fixture's files (none of the library's), on branch `develop`. */
async function adopterRepo(change?: (dir: string) => Promise<void>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'adopter-'));
  temps.push(dir);
  await cp(fixture, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
  git(dir, 'init', '-q', '-b', 'develop');
  if (change) await change(dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'fixture');
  return dir;
}

async function pinnedSha(): Promise<string> {
  const text = await readFile(path.join(fixture, '.github/workflows/pipeline.yml'), 'utf8');
  const sha = /pipeline\.yml@([0-9a-f]{40})/.exec(text)?.[1];
  if (!sha) throw new Error('the fixture caller is not pinned by SHA');
  return sha;
}

function job(report: RunReport, id: string) {
  const found = report.jobs.find((j) => j.path === `pipeline/${id}`);
  if (!found) throw new Error(`no job pipeline/${id} in ${report.jobs.map((j) => j.path).join(', ')}`);
  return found;
}

describe('npm run pipeline -- <adopter repository>', () => {
  it('resolves the pinned reference to this checkout and runs quality, security and test', async () => {
    const repo = await adopterRepo();
    const reportDir = await mkdtemp(path.join(tmpdir(), 'report-'));
    temps.push(reportDir);
    const report = await runPipeline({
      repo,
      library: root,
      reportDir,
      inputs: { stages: 'quality,security,test', 'fail-on-scanner-error': 'false' },
      keepWorkspace: true,
      log: () => undefined,
    });
    if (report.workspace) temps.push(path.dirname(report.workspace));
    const sha = await pinnedSha();
    expect(report.library).toMatchObject({ repository: 'example-org/pipeline-actions', commit: sha, source: 'commit' });
    expect(report.jobs.map((j) => [j.path, j.status])).toEqual(
      expect.arrayContaining([
        ['pipeline/plan', 'success'],
        ['pipeline/quality', 'success'],
        // npm audit cannot reach an advisory endpoint here, and Trivy has no vulnerability database: never a pass.
        ['pipeline/security', 'incomplete'],
        ['pipeline/test', 'success'],
        ['pipeline/build', 'skipped'],
        ['pipeline/deploy-staging', 'skipped'],
      ]),
    );
    // The actions the caller ran are the library's files at the pinned commit, not the working tree.
    const checkoutStep = job(report, 'quality').steps.find((s) => s.name.includes("pipeline's actions"));
    expect(checkoutStep).toMatchObject({ status: 'success' });
    expect(checkoutStep?.reason).toContain(`commit ${sha.slice(0, 12)}`);
    const used = await readFile(
      path.join(report.workspace as string, '.pipeline-actions/actions/quality/action.yml'),
      'utf8',
    );
    expect(used).toBe(git(root, 'show', `${sha}:actions/quality/action.yml`) + '\n');
    const quality = job(report, 'quality').steps.find((s) => s.uses?.endsWith('actions/quality'));
    expect(quality).toMatchObject({
      status: 'success',
      outputs: expect.objectContaining({ passed: 'true', errors: '0' }),
    });
    expect(quality?.summary).toContain('eslint');
    // Steps that need GitHub or Docker are skipped with the reason.
    const setupNode = job(report, 'quality').steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    expect(setupNode).toMatchObject({ status: 'skipped', reason: expect.stringContaining("GitHub's tool cache") });
    const markdown = toMarkdown(report);
    expect(markdown).toContain('| pipeline/test | ✅ success |');
    expect(toHtml(report)).toContain('<table>');
  });

  it('a lint error fails the quality stage; the other gates still run, and nothing is built or deployed', async () => {
    const repo = await adopterRepo(async (dir) => {
      await appendFile(path.join(dir, 'src/app.js'), '\nconst unusedHelper = 42;\n');
    });
    const reportDir = await mkdtemp(path.join(tmpdir(), 'report-'));
    temps.push(reportDir);
    // Security now runs beside quality: as in the other runs, scanners that cannot reach their databases only warn.
    const report = await runPipeline({
      repo,
      library: root,
      reportDir,
      inputs: { 'fail-on-scanner-error': 'false' },
      log: () => undefined,
    });
    expect(report.status).toBe('failure');
    const quality = job(report, 'quality');
    expect(quality.status).toBe('failure');
    const step = quality.steps.find((s) => s.uses?.endsWith('actions/quality'));
    expect(step).toMatchObject({
      status: 'failure',
      outputs: expect.objectContaining({ passed: 'false', errors: '1' }),
    });
    expect(step?.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ level: 'error', file: 'src/app.js', line: 36 })]),
    );
    // The gates start together after plan (GitHub runs them side by side), so a failed one stops none of the others.
    // The other gates still ran: test passed; security did what it could here (incomplete, never failed or passed).
    expect(job(report, 'test').status).toBe('success');
    expect(job(report, 'security').status).toBe('incomplete');
    for (const later of ['build', 'deploy-staging', 'smoke-staging', 'deploy-production']) {
      expect([later, job(report, later).status]).toEqual([later, 'skipped']);
    }
    expect(job(report, 'plan').status).toBe('success');
    expect(toMarkdown(report)).toContain("'unusedHelper' is assigned a value but never used");
  });

  it('a failing test fails the test stage; quality passed before it and build is skipped', async () => {
    const repo = await adopterRepo(async (dir) => {
      const file = path.join(dir, 'src/app.js');
      await writeFile(file, (await readFile(file, 'utf8')).replace("['fr', 'Bonjour']", "['fr', 'Salut']"));
    });
    const reportDir = await mkdtemp(path.join(tmpdir(), 'report-'));
    temps.push(reportDir);
    const report = await runPipeline({
      repo,
      library: root,
      reportDir,
      inputs: { stages: 'quality,test,build,deploy', 'fail-on-scanner-error': 'false' },
      log: () => undefined,
    });
    expect(job(report, 'quality').status).toBe('success');
    expect(job(report, 'security').status).toBe('skipped');
    const test = job(report, 'test');
    expect(test.status).toBe('failure');
    expect(test.steps.find((s) => s.name === 'Run the tests with coverage')).toMatchObject({
      status: 'failure',
      reason: 'exit code 1',
    });
    expect(job(report, 'build').status).toBe('skipped');
    expect(job(report, 'deploy-staging').status).toBe('skipped');
  });

  // Needs the local control plane (tools/kube/build.sh); CI builds it in .ci/run.
  const kubectl = path.join(root, 'tools/kube/bin/kubectl');
  const kubeBuilt = existsSync(path.join(root, 'tools/kube/bin/kwokctl')) && existsSync(kubectl);
  if (!kubeBuilt && process.env['CI'] === 'true')
    throw new Error('CI=true but tools/kube/bin is not built: .ci/run must run tools/kube/build.sh first.');
  const withKube = kubeBuilt ? it : it.skip;
  withKube(
    'a bad image on deploy fails deploy-staging, rolls back, and skips smoke',
    async () => {
      const ns = `adopter-bad-${Date.now().toString(36)}`;
      const repo = await adopterRepo(async (dir) => {
        const file = path.join(dir, 'k8s/staging/deployment.yaml');
        const text = (await readFile(file, 'utf8'))
          .replace(/namespace: default/g, `namespace: ${ns}`)
          .replace('progressDeadlineSeconds: 60', 'progressDeadlineSeconds: 20')
          // kwok's opt-in failure Stage (tools/kube/stages/failures.yaml): containers stay in ImagePullBackOff.
          .replace(
            '    metadata:\n      labels: { app: adopter-service }',
            '    metadata:\n      labels: { app: adopter-service, pipeline-actions.test/kwok-fail: image-pull }',
          );
        expect(text).toContain('kwok-fail: image-pull');
        await writeFile(file, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n---\n${text}`);
      });
      const reportDir = await mkdtemp(path.join(tmpdir(), 'report-'));
      temps.push(reportDir);
      let kubeconfig = '';
      try {
        const report = await runPipeline({
          repo,
          library: root,
          reportDir,
          ref: 'develop',
          inputs: { stages: 'build,deploy,smoke', 'fail-on-scanner-error': 'false' },
          log: () => undefined,
        });
        kubeconfig = /kubeconfig (\S+)/.exec(report.jobs.flatMap((j) => j.notes).join('\n'))?.[1] ?? '';
        // The image is really built and pushed; only its vulnerability scan has no database here.
        const build = job(report, 'build');
        expect(build.steps.find((s) => s.name.startsWith('Build and push'))).toMatchObject({
          status: 'success',
          emulated: true,
          outputs: expect.objectContaining({ digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }),
        });
        expect(build.status).toBe('incomplete');
        const deploy = job(report, 'deploy-staging');
        expect(deploy.status).toBe('failure');
        const step = deploy.steps.find((s) => s.uses?.endsWith('actions/deploy-k8s'));
        expect(step?.status).toBe('failure');
        expect(['rolled-back', 'failed']).toContain(step?.outputs['status']);
        expect(step?.reason ?? '').toMatch(/ImagePullBackOff/);
        expect(job(report, 'smoke-staging').status).toBe('skipped');
        expect(report.outputs['deploy-status']).toBe(step?.outputs['status']);
      } finally {
        if (kubeconfig)
          spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'delete', 'namespace', ns, '--wait=false'], {
            encoding: 'utf8',
          });
      }
    },
    600_000,
  );
});
