/**
 * The local runner against the adopter fixture, copied into a separate git
 * repository: the caller's pinned reference resolves to this checkout's
 * commit and its actions, a clean run passes, and a lint error fails the
 * quality stage and holds back build and deploy as the workflow says.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
async function adopterRepo(change?: (dir: string) => Promise<void>, branch = 'develop'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'adopter-'));
  temps.push(dir);
  await cp(fixture, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
  git(dir, 'init', '-q', '-b', branch);
  if (change) await change(dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'fixture');
  return dir;
}

/** The fixture's manifests for one environment moved into namespace `ns` (created first), after `edit`. */
async function inNamespace(
  dir: string,
  environment: 'staging' | 'production',
  ns: string,
  edit: (text: string) => string = (t) => t,
): Promise<string> {
  const file = path.join(dir, `k8s/${environment}/deployment.yaml`);
  const text = edit((await readFile(file, 'utf8')).replace(/namespace: default/g, `namespace: ${ns}`));
  await writeFile(file, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n---\n${text}`);
  return text;
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
        const text = await inNamespace(dir, 'staging', ns, (t) =>
          t
            .replace('progressDeadlineSeconds: 60', 'progressDeadlineSeconds: 20')
            // kwok's opt-in failure Stage (tools/kube/stages/failures.yaml): containers stay in ImagePullBackOff.
            .replace(
              '    metadata:\n      labels: { app: adopter-service }',
              '    metadata:\n      labels: { app: adopter-service, pipeline-actions.test/kwok-fail: image-pull }',
            )
            // On a kwok node even when the cluster also has a real node (its taint kept off the others).
            .replace(
              '    spec:\n      containers:',
              '    spec:\n      nodeSelector: { type: kwok }\n      tolerations: [{ key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule }]\n      containers:',
            ),
        );
        expect(text).toContain('nodeSelector: { type: kwok }');
        expect(text).toContain('kwok-fail: image-pull');
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
          kwokOnly: true,
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

  // The real node (tools/kube/cluster.sh up --real-node): .ci/run brings it up and sets REQUIRE_REAL_NODE=1.
  const realNodeUp = existsSync(path.join(root, '.tmp/kube/real-node.env'));
  if (process.env['REQUIRE_REAL_NODE'] === '1' && !realNodeUp)
    throw new Error('REQUIRE_REAL_NODE=1 but the real node is not up: run tools/kube/cluster.sh up --real-node');
  const withRealNode = kubeBuilt && realNodeUp ? it : it.skip;
  withRealNode(
    'with a real node, the built image runs in pods and the smoke and performance tests reach the deployed Service',
    async () => {
      const ns = `adopter-real-${Date.now().toString(36)}`;
      const repo = await adopterRepo(async (dir) => {
        await inNamespace(dir, 'staging', ns);
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
          // This checkout's pipeline, not the caller's pinned commit (the first test covers the pin).
          libraryRef: 'worktree',
          inputs: { stages: 'build,deploy,smoke,performance', 'fail-on-scanner-error': 'false' },
          log: () => undefined,
        });
        const notes = report.jobs.flatMap((j) => j.notes).join('\n');
        kubeconfig = /kubeconfig (\S+)/.exec(notes)?.[1] ?? '';
        expect(notes).toContain('a real node, real-node-0');
        // The build started the pushed image and saw the port it listens on (the adopter reads $PORT).
        const probe = job(report, 'build').steps.find((s) => s.name.startsWith("Probe the image's port"));
        expect(probe?.status).toBe('success');
        expect(probe?.outputs['port-source']).toBe('observed');
        expect(job(report, 'deploy-staging').status).toBe('success');
        const smoke = job(report, 'smoke-staging');
        expect(smoke.status).toBe('success');
        // The target is the Service in front of the pods, through the API server: no host process.
        expect(smoke.notes.join('\n')).toContain(`deployed Service ${ns}/adopter-service (port 80`);
        expect(smoke.notes.join('\n')).not.toContain('docker run');
        const checks = smoke.steps.find(
          (s) => s.name.toLowerCase().includes('smoke') && s.uses?.endsWith('smoke-test'),
        );
        expect(checks?.outputs['checks-failed']).toBe('0');
        expect(Number(checks?.outputs['checks-passed'])).toBeGreaterThan(0);
        // The pod that served them runs the pushed digest on the real node.
        const pods = JSON.parse(
          execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'get', 'pods', '-n', ns, '-o', 'json'], {
            encoding: 'utf8',
          }),
        ) as { items: { spec: { nodeName: string }; status: { containerStatuses?: { imageID: string }[] } }[] };
        const digest = job(report, 'build').steps.find((s) => s.name.startsWith('Build and push'))?.outputs['digest'];
        expect(pods.items.map((p) => p.spec.nodeName)).toEqual(['real-node-0']);
        expect(pods.items[0]?.status.containerStatuses?.[0]?.imageID).toContain(digest);
      } finally {
        if (kubeconfig)
          spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'delete', 'namespace', ns, '--wait=false'], {
            encoding: 'utf8',
          });
      }
    },
    900_000,
  );

  withRealNode(
    'with a real node and a caller without staging-url, the smoke job reaches the deployed Service itself through the API server (as on GitHub)',
    async () => {
      const ns = `adopter-nourl-${Date.now().toString(36)}`;
      const repo = await adopterRepo(async (dir) => {
        await inNamespace(dir, 'staging', ns);
        const caller = path.join(dir, '.github/workflows/pipeline.yml');
        await writeFile(caller, (await readFile(caller, 'utf8')).replace(/^ *staging-url: .*\n/m, ''));
      });
      const reportDir = await mkdtemp(path.join(tmpdir(), 'report-'));
      temps.push(reportDir);
      let kubeconfig = '';
      try {
        const report = await runPipeline({
          repo,
          library: root,
          libraryRef: 'worktree',
          reportDir,
          ref: 'develop',
          inputs: { stages: 'build,deploy,smoke', 'fail-on-scanner-error': 'false', platforms: 'linux/amd64' },
          log: () => undefined,
        });
        kubeconfig = /kubeconfig (\S+)/.exec(report.jobs.flatMap((j) => j.notes).join('\n'))?.[1] ?? '';
        const deploy = job(report, 'deploy-staging');
        expect(deploy.status).toBe('success');
        expect(deploy.outputs['service']).toBe(`${ns}/adopter-service:80`);
        const smoke = job(report, 'smoke-staging');
        expect(smoke.status).toBe('success');
        const checks = smoke.steps.find((s) => s.name === 'Smoke tests');
        expect(checks?.status).toBe('success');
        expect(Number(checks?.outputs['checks-passed'])).toBeGreaterThan(0);
        // smoke-test opened the port-forward itself (the runner gave no URL): its summary names the Service.
        expect(checks?.summary).toContain(`Reached Service ${ns}/adopter-service`);
        expect(checks?.summary).toContain('through the API server');
      } finally {
        if (kubeconfig)
          spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'delete', 'namespace', ns, '--wait=false'], {
            encoding: 'utf8',
          });
      }
    },
    900_000,
  );

  // A cluster this run does not start: its kubeconfig given as the secret (run-proof.sh passes the
  // machine's shared cluster with --secret-file). PIPELINE_E2E_GIVEN_KUBECONFIG names another one.
  const givenKubeconfig = process.env['PIPELINE_E2E_GIVEN_KUBECONFIG'] || path.join(root, '.tmp/kube/kubeconfig');
  const givenHasRealNode = existsSync(path.join(path.dirname(givenKubeconfig), 'real-node.env'));
  const withGivenRealNode = kubeBuilt && givenHasRealNode ? it : it.skip;
  withGivenRealNode(
    'a kubeconfig given as the secret: the smoke tests reach the deployed Service through it, not a docker run',
    async () => {
      const ns = `adopter-given-${Date.now().toString(36)}`;
      // A kustomize directory (rendered by the deploy job) and no smoke-checks.yml (the default checks):
      // both are files the pipeline writes itself, and deploy-k8s and smoke-test read only the workspace.
      const repo = await adopterRepo(async (dir) => {
        await inNamespace(dir, 'staging', ns);
        await mkdir(path.join(dir, 'k8s/kustomized'));
        await rename(path.join(dir, 'k8s/staging/deployment.yaml'), path.join(dir, 'k8s/kustomized/deployment.yaml'));
        await writeFile(path.join(dir, 'k8s/kustomized/kustomization.yaml'), 'resources:\n  - deployment.yaml\n');
        await rm(path.join(dir, 'smoke-checks.yml'));
      });
      const reportDir = await mkdtemp(path.join(tmpdir(), 'report-'));
      temps.push(reportDir);
      try {
        const report = await runPipeline({
          repo,
          library: root,
          libraryRef: 'worktree',
          reportDir,
          ref: 'develop',
          inputs: {
            stages: 'build,deploy,smoke',
            'fail-on-scanner-error': 'false',
            'staging-manifests': 'k8s/kustomized',
            platforms: 'linux/amd64', // what is tested is the cluster, not the arm64 half
            'readiness-path': '/health/ready',
          },
          secrets: { STAGING_KUBECONFIG: await readFile(givenKubeconfig, 'utf8') },
          log: () => undefined,
        });
        const notes = report.jobs.flatMap((j) => j.notes).join('\n');
        expect(notes).not.toContain('tools/kube/cluster.sh up');
        const deploy = job(report, 'deploy-staging');
        expect(deploy.steps.find((s) => s.name.startsWith('Resolve the manifests'))?.outputs['path']).toMatch(
          /\.pipeline-actions\/rendered\/manifests-staging\.yaml$/,
        );
        expect(deploy.status).toBe('success');
        const smoke = job(report, 'smoke-staging');
        expect(smoke.status).toBe('success');
        const checks = smoke.steps.find((s) => s.name === 'Smoke tests');
        expect(checks?.outputs['checks-passed']).toBe('1'); // the default check: the readiness path
        expect(smoke.notes.join('\n')).toMatch(
          /kubeconfig given to the run; its cluster has nodes that run containers/,
        );
        expect(smoke.notes.join('\n')).toContain(`deployed Service ${ns}/adopter-service (port 80`);
        expect(smoke.notes.join('\n')).not.toContain('docker run');
      } finally {
        spawnSync(kubectl, ['--kubeconfig', givenKubeconfig, 'delete', 'namespace', ns, '--wait=false'], {
          encoding: 'utf8',
        });
      }
    },
    900_000,
  );

  withRealNode(
    'production: a smoke failure makes rollback-production restore the backup, and the outputs name what is live',
    async () => {
      const ns = `adopter-prod-${Date.now().toString(36)}`;
      const production = async (dir: string): Promise<void> => {
        await inNamespace(dir, 'production', ns);
      };
      const reportDir = await mkdtemp(path.join(tmpdir(), 'report-'));
      temps.push(reportDir);
      // The working tree's pipeline.yml (libraryRef 'worktree'): the fixture pins an older commit.
      const run = (repo: string) =>
        runPipeline({
          repo,
          library: root,
          libraryRef: 'worktree',
          reportDir,
          ref: 'main',
          inputs: { stages: 'build,deploy,smoke', 'fail-on-scanner-error': 'false' },
          log: () => undefined,
        });
      let kubeconfig = '';
      try {
        // On main: production (the push that GitHub would deploy there).
        const first = await run(await adopterRepo(production, 'main'));
        kubeconfig = /kubeconfig (\S+)/.exec(first.jobs.flatMap((j) => j.notes).join('\n'))?.[1] ?? '';
        expect(job(first, 'smoke-production').status).toBe('success');
        expect(first.outputs['deploy-status']).toBe('deployed');
        const good = job(first, 'build').steps.find((s) => s.name.startsWith('Build and push'))?.outputs['digest'];

        // A new image (changed source) whose smoke tests fail: a check no build can pass.
        const second = await run(
          await adopterRepo(async (dir) => {
            await production(dir);
            await appendFile(path.join(dir, 'src/app.js'), '\n// release 2\n');
            await appendFile(path.join(dir, 'smoke-checks.yml'), '- name: missing\n  path: /no-such-route\n');
          }, 'main'),
        );
        expect(job(second, 'deploy-production').status).toBe('success');
        expect(job(second, 'smoke-production').status).toBe('failure');
        expect(job(second, 'rollback-production').status).toBe('success');
        expect(second.outputs['deploy-status']).toBe('rolled-back');
        const live = JSON.parse(
          execFileSync(
            kubectl,
            ['--kubeconfig', kubeconfig, 'get', 'deployment', 'adopter-service', '-n', ns, '-o', 'json'],
            {
              encoding: 'utf8',
            },
          ),
        ) as {
          metadata: { annotations: Record<string, string> };
          spec: { template: { spec: { containers: { image: string }[] } } };
        };
        // The revision that is live now (the restore made a new one), not the failed release's.
        const failed = job(second, 'deploy-production').steps.find((s) => s.uses?.endsWith('actions/deploy-k8s'))
          ?.outputs['revision'];
        expect(second.outputs['deployed-revision']).toBe(
          live.metadata.annotations['deployment.kubernetes.io/revision'],
        );
        expect(second.outputs['deployed-revision']).not.toBe(failed);
        // ...and its pod template is the first release's image again.
        expect(live.spec.template.spec.containers[0]?.image).toContain(good);
      } finally {
        if (kubeconfig)
          spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'delete', 'namespace', ns, '--wait=false'], {
            encoding: 'utf8',
          });
      }
    },
    1_500_000,
  );
});
