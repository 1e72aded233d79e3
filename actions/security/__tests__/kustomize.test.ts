/**
 * Kustomize directories: the pure plan (which kustomizations are rendered,
 * which files stay out of the plain file scan) as tables, then the bundle run
 * the way the runner runs it with the real Trivy and the real kubectl over a
 * base + overlay whose patch, alone, "lacks" the securityContext its base sets.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireOrSkip, runAction } from '@pipeline/action-kit/testing';
import type { Report } from '../src/gate.js';
import { planKustomize, references } from '../src/kustomize-plan.js';
import type { KustomizationFile } from '../src/kustomize-plan.js';
import { renderedTrivyArgs, scansMisconfig, trivyArgs, whichOnPath } from '../src/scanners.js';
import { skipDirPatterns } from '../src/kustomize-scan.js';
import { actionDir } from './helpers/findings.js';
import { offlineTrivyEnv } from './helpers/trivy-project.js';

const k = (
  dir: string,
  doc: unknown,
  file = `${dir === '.' ? '' : `${dir}/`}kustomization.yaml`,
): KustomizationFile => ({
  dir,
  file,
  doc,
});

describe('planKustomize', () => {
  const base = k('k8s/base', { resources: ['deployment.yaml', 'service.yaml'] });
  const component = k('k8s/components/monitoring', {
    kind: 'Component',
    resources: ['service-monitor.yaml'],
    patches: [{ path: 'annotate.yaml' }],
  });
  const production = k('k8s/overlays/production', {
    resources: ['../../base', 'hpa.yaml'],
    components: ['../../components/monitoring'],
    patches: [{ path: 'deployment-patch.yaml' }, { target: { kind: 'ConfigMap' }, patch: '- op: remove' }],
    patchesStrategicMerge: ['legacy-patch.yaml', 'apiVersion: v1\nkind: ConfigMap\n'],
    patchesJson6902: [{ target: { kind: 'Service' }, path: 'json-patch.yaml' }],
  });
  const staging = k('k8s/overlays/staging', { bases: ['../../base/'], resources: ['postgres.yaml'] });

  it.each([
    {
      name: 'overlays are the roots; base and component files are left to them',
      files: [base, component, production, staging],
      roots: ['k8s/overlays/production', 'k8s/overlays/staging'],
      skip: [
        'k8s/base/deployment.yaml',
        'k8s/base/service.yaml',
        'k8s/components/monitoring/annotate.yaml',
        'k8s/components/monitoring/service-monitor.yaml',
        'k8s/overlays/production/deployment-patch.yaml',
        'k8s/overlays/production/hpa.yaml',
        'k8s/overlays/production/json-patch.yaml',
        'k8s/overlays/production/legacy-patch.yaml',
        'k8s/overlays/staging/postgres.yaml',
      ],
    },
    {
      name: 'a base alone is its own root',
      files: [base],
      roots: ['k8s/base'],
      skip: ['k8s/base/deployment.yaml', 'k8s/base/service.yaml'],
    },
    {
      name: 'a component alone is never rendered',
      files: [component],
      roots: [],
      skip: ['k8s/components/monitoring/annotate.yaml', 'k8s/components/monitoring/service-monitor.yaml'],
    },
    {
      name: 'remote and outside references are left alone',
      files: [
        k('.', {
          resources: ['https://example.com/x.yaml', 'github.com/org/repo//k8s?ref=v1', '../shared/a.yaml', 'svc.yaml'],
        }),
      ],
      roots: ['.'],
      skip: ['svc.yaml'],
    },
    { name: 'no kustomization: nothing to do', files: [], roots: [], skip: [] },
    { name: 'a document that is not a mapping names nothing', files: [k('x', 'just text')], roots: ['x'], skip: [] },
  ])('$name', ({ files, roots, skip }) => {
    const plan = planKustomize(files);
    expect(plan.roots.map((root) => root.dir)).toEqual(roots);
    expect(plan.skipFiles).toEqual(skip);
  });

  it('keeps inline strategic-merge patches out of the file references', () => {
    expect(references({ patchesStrategicMerge: ['a.yaml', 'kind: X\nmetadata: {}\n'] }).files).toEqual(['a.yaml']);
  });
});

describe('Trivy arguments around kustomize', () => {
  it.each([
    { env: {}, skip: [], expected: undefined },
    { env: {}, skip: ['k8s/a.yaml'], expected: 'k8s/a.yaml' },
    { env: { TRIVY_SKIP_FILES: 'x.yaml, y.yaml' }, skip: ['k8s/a.yaml'], expected: 'x.yaml,y.yaml,k8s/a.yaml' },
  ])('--skip-files keeps TRIVY_SKIP_FILES ($expected)', ({ env, skip, expected }) => {
    const args = trivyArgs('trivy-fs', env, '', skip);
    const at = args.indexOf('--skip-files');
    expect(at === -1 ? undefined : args[at + 1]).toEqual(expected);
    expect(args.at(-1)).toBe('.');
  });

  it.each([
    [{}, true],
    [{ TRIVY_SCANNERS: 'secret,misconfig' }, true],
    [{ TRIVY_SCANNERS: 'vuln,secret' }, false],
  ])('misconfigurations are checked with %j: %s', (env, expected) => {
    expect(scansMisconfig(env)).toBe(expected);
  });

  it('the rendered scan asks for misconfigurations only', () => {
    expect(renderedTrivyArgs('.')).toEqual(expect.arrayContaining(['--scanners', 'misconfig']));
  });

  it('TRIVY_SKIP_DIRS becomes the walk patterns', () => {
    expect(skipDirPatterns({ TRIVY_SKIP_DIRS: '.pipeline-actions, **/.pipeline-actions/ ,./vendor' })).toEqual([
      '.pipeline-actions',
      '**/.pipeline-actions',
      'vendor',
    ]);
  });
});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const trivyBin =
  process.env['TRIVY_BIN'] ??
  [path.join(actionDir, '.tools', 'bin', 'trivy')].find((candidate) => existsSync(candidate)) ??
  whichOnPath('trivy');
const kubectlBin =
  [path.join(repoRoot, 'tools', 'kube', 'bin', 'kubectl')].find((candidate) => existsSync(candidate)) ??
  whichOnPath('kubectl');
const tools = {
  what: 'Trivy and kubectl',
  available: Boolean(trivyBin && kubectlBin),
  howToGet: 'run actions/security/scripts/install-trivy.sh and tools/kube/build.sh',
  requiredBy: 'REQUIRE_TRIVY',
};
const describeWithTools = requireOrSkip(tools) ? describe : describe.skip;

const HARDENED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: web
          image: registry.example/web:1.0.0
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          resources:
            requests: { cpu: 100m, memory: 64Mi }
            limits: { cpu: 500m, memory: 128Mi }
`;
// Alone it looks like a Deployment with no securityContext at all.
const PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          resources:
            limits: { cpu: "1", memory: 256Mi }
`;
// A real finding only the overlay brings: a writable root filesystem.
const WORKER = HARDENED.replace(/name: web/g, 'name: worker')
  .replace(/app: web/g, 'app: worker')
  .replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false');

describeWithTools('kustomize overlays through the bundle (real Trivy, real kubectl, offline)', () => {
  let workspace: string;
  let cache: string;

  beforeAll(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'security-kustomize-'));
    const files: Record<string, string> = {
      'svc/k8s/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'svc/k8s/base/deployment.yaml': HARDENED,
      'svc/k8s/overlays/prod/kustomization.yaml':
        'resources:\n  - ../../base\n  - worker.yaml\npatches:\n  - path: deployment-patch.yaml\n',
      'svc/k8s/overlays/prod/deployment-patch.yaml': PATCH,
      'svc/k8s/overlays/prod/worker.yaml': WORKER,
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
      writeFileSync(path.join(workspace, file), text);
    }
    cache = path.join(workspace, '.trivy-cache');
    mkdirSync(cache);
  });

  const run = (dirs: string[]) =>
    runAction(actionDir, {
      workspace,
      inputs: { 'working-directory': 'svc', scanners: 'trivy-fs', 'severity-threshold': 'high' },
      // Only these directories: the machine may have a kubectl of its own elsewhere.
      env: { ...offlineTrivyEnv(cache), PATH: dirs.join(path.delimiter) },
      timeoutMs: 180_000,
    });

  it('checks what the overlay deploys: the real finding at its kustomization, nothing from the patch alone', async () => {
    const result = await run([path.dirname(trivyBin as string), path.dirname(kubectlBin as string)]);
    const report = JSON.parse(result.outputs['report'] ?? '{}') as Report;
    expect(report.scannerErrors).toEqual([]);
    const paths = report.findings.map((finding) => finding.location?.path);
    expect(paths.filter((p) => p?.endsWith('deployment-patch.yaml') || p?.endsWith('worker.yaml'))).toEqual([]);
    const readOnly = report.findings.filter((finding) => finding.id === 'KSV-0014');
    expect(readOnly).toHaveLength(1);
    expect(readOnly[0]).toMatchObject({
      blocking: true,
      location: { path: 'svc/k8s/overlays/prod/kustomization.yaml' },
    });
    expect(readOnly[0]?.description).toMatch(/worker/);
    expect(readOnly[0]?.description).toContain('kubectl kustomize k8s/overlays/prod');
    expect(result.exitCode).toBe(1);
  });

  it('without kubectl the overlays are a scanner error naming kubectl, never a pass', async () => {
    const result = await run([path.dirname(trivyBin as string)]);
    const report = JSON.parse(result.outputs['report'] ?? '{}') as Report;
    expect(report.scannerErrors).toEqual([
      expect.objectContaining({ scanner: 'trivy-fs', message: expect.stringContaining('needs kubectl on PATH') }),
    ]);
    expect(report.findings.filter((finding) => finding.location?.path?.endsWith('deployment-patch.yaml'))).toEqual([]);
    expect(result.outputs['passed']).toBe('false');
    expect(result.exitCode).toBe(1);
  });
});
