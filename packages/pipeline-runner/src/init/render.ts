/**
 * The files `init` writes, as text: the caller workflow, the built-in
 * Dockerfile, kustomize manifests (base plus staging and production
 * overlays) and smoke-checks.yml. Pure.
 */
import { stringify } from 'yaml';
import { generateManifests, type GenerateOptions } from '../../../../actions/deploy-k8s/src/generated-manifests.js';
import type { Project } from './detect.js';

export interface CallerOptions {
  /** owner/name of this library, as the caller's `uses:` names it. */
  library: string;
  /** The commit the caller pins (docs/pinning.md). */
  sha: string;
  /** The branch that deploys to production (the repository's current one). */
  branch: string;
}

const yaml = (value: unknown): string => stringify(value, { lineWidth: 0 });

export function renderCaller(project: Project, options: CallerOptions): string {
  const stages = [
    ...(project.qualityChecks.length > 0 ? ['quality'] : []),
    'security',
    ...(project.testScript !== undefined ? ['test'] : []),
    'build',
    'deploy',
    'smoke',
    'performance',
  ];
  const withLines = [
    `service-directory: ${project.serviceDirectory}`,
    `manifest-image: ${project.name}`,
    ...(project.readinessPath ? [`readiness-path: ${project.readinessPath}`] : []),
    ...(project.qualityChecks.length > 0 ? [`quality-checks: ${project.qualityChecks.join(',')}`] : []),
    ...(project.maxLineLength !== undefined ? [`max-line-length: ${project.maxLineLength}`] : []),
    ...(project.lineLengthInclude ? [`line-length-include: '${project.lineLengthInclude}'`] : []),
    ...(project.testScript !== undefined && project.testScript !== 'test'
      ? [`test-script: ${project.testScript}`]
      : []),
    ...(project.securityScanners ? [`security-scanners: ${project.securityScanners}`] : []),
    `stages: ${stages.join(',')}`,
    ...(options.branch === 'main' ? [] : [`production-branches: ${options.branch}`]),
    'staging-url: ${{ vars.STAGING_URL }}',
    'production-url: ${{ vars.PRODUCTION_URL }}',
  ];
  const branches = [...new Set([options.branch, 'develop'])].join(', ');
  return [
    '# The whole CI/CD pipeline of this repository: one uses: line.',
    '# Written by `npm run pipeline -- init`; review it and commit it.',
    'name: pipeline',
    '',
    'on:',
    '  push:',
    `    branches: [${branches}]`,
    '  pull_request:',
    '',
    'permissions: {}',
    '',
    'jobs:',
    '  pipeline:',
    '    permissions:',
    '      contents: read',
    '      packages: write',
    '      security-events: write',
    '      actions: read',
    `    uses: ${options.library}/.github/workflows/pipeline.yml@${options.sha} # pinned by SHA (docs/pinning.md)`,
    '    with:',
    ...withLines.map((l) => `      ${l}`),
    '    secrets:',
    '      STAGING_KUBECONFIG: ${{ secrets.STAGING_KUBECONFIG }}',
    '      PRODUCTION_KUBECONFIG: ${{ secrets.PRODUCTION_KUBECONFIG }}',
    '',
  ].join('\n');
}

export function renderSmokeChecks(readinessPath: string | undefined): string {
  const check = readinessPath
    ? { name: 'readiness', path: readinessPath, status: '2xx' }
    : { name: 'root answers below 500', path: '/', status: ['2xx', '3xx', '4xx'] };
  return `# Written by \`npm run pipeline -- init\`: the service answers. Add checks of what it does.\n${yaml([check])}`;
}

/** Kustomize base (Deployment, Service) and overlays: staging, production (two replicas, autoscaler, disruption budget). */
export function renderManifests(project: Project, namespacePrefix: string): Record<string, string> {
  const options: GenerateOptions = {
    name: project.name,
    image: project.name,
    port: project.port,
    replicas: 1,
    readinessPath: project.readinessPath,
    livenessPath: undefined,
    cpuRequest: '100m',
    memoryRequest: '128Mi',
    cpuLimit: undefined,
    memoryLimit: '512Mi',
    production: true,
    readOnlyRootFilesystem: true,
    runAsUser: 1000,
  };
  const [deployment, service, hpa, pdb] = generateManifests(options);
  const overlay = (env: string, extra: string[], patches: unknown[] = []): string =>
    yaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: `${namespacePrefix}${project.name}-${env}`,
      resources: ['namespace.yaml', '../../base', ...extra],
      ...(patches.length > 0 ? { patches } : {}),
    });
  const namespace = (env: string): string =>
    yaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${namespacePrefix}${project.name}-${env}` } });
  const replicas = {
    target: { kind: 'Deployment', name: project.name },
    patch: yaml([{ op: 'replace', path: '/spec/replicas', value: 2 }]),
  };
  return {
    'k8s/base/kustomization.yaml': yaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['deployment.yaml', 'service.yaml'],
    }),
    'k8s/base/deployment.yaml': yaml(deployment),
    'k8s/base/service.yaml': yaml(service),
    'k8s/overlays/staging/kustomization.yaml': overlay('staging', []),
    'k8s/overlays/staging/namespace.yaml': namespace('staging'),
    'k8s/overlays/production/kustomization.yaml': overlay('production', ['hpa.yaml', 'pdb.yaml'], [replicas]),
    'k8s/overlays/production/namespace.yaml': namespace('production'),
    'k8s/overlays/production/hpa.yaml': yaml({
      ...hpa,
      spec: { ...(hpa?.['spec'] as object), minReplicas: 2, maxReplicas: 6 },
    }),
    'k8s/overlays/production/pdb.yaml': yaml(pdb),
  };
}
