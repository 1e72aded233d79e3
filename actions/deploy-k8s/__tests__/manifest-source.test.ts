import { describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { generateManifests, manifestsYaml, type GenerateOptions } from '../src/generated-manifests.js';
import { parseGenerateInputs } from '../src/generated-inputs.js';
import { readSources, type SourceIo, type SourceRequest } from '../src/manifest-source.js';
import { manifestSourceSummary } from '../src/manifest-source-summary.js';

const options: GenerateOptions = {
  name: 'svc',
  image: 'svc',
  port: 8080,
  replicas: 2,
  readinessPath: '/ready',
  livenessPath: undefined,
  cpuRequest: '100m',
  memoryRequest: '128Mi',
  cpuLimit: undefined,
  memoryLimit: '512Mi',
  production: false,
  readOnlyRootFilesystem: true,
  runAsUser: 1000,
};

/** Unset inputs read as empty, as core.getInput returns them. */
const reader =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? '';

interface Probe {
  httpGet?: unknown;
  tcpSocket?: unknown;
}
interface Pod {
  securityContext: unknown;
  containers: {
    securityContext: unknown;
    readinessProbe: Probe;
    livenessProbe: Probe;
    ports: unknown;
    env: unknown;
    volumeMounts: unknown;
  }[];
}
const podOf = (object: unknown): Pod => (object as { spec: { template: { spec: Pod } } }).spec.template.spec;

describe('generated manifests', () => {
  it('staging: a Deployment and a Service; production adds an HPA and a PDB', () => {
    expect(generateManifests(options).map((o) => o.kind)).toEqual(['Deployment', 'Service']);
    expect(generateManifests({ ...options, production: true }).map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'apps/v1 Deployment',
      'v1 Service',
      'autoscaling/v2 HorizontalPodAutoscaler',
      'policy/v1 PodDisruptionBudget',
    ]);
  });

  it('runs non-root, read-only, without privilege escalation, with the probes the inputs ask for', () => {
    const deployment = generateManifests(options)[0];
    const pod = podOf(deployment);
    const container = pod.containers[0]!;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.env).toEqual([{ name: 'PORT', value: '8080' }]);
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect((deployment as unknown as { spec: { replicas: number } }).spec.replicas).toBe(2);
  });

  it('keeps the image user when run-as-user is empty, and writes parseable YAML', () => {
    const objects = generateManifests({ ...options, runAsUser: undefined, readinessPath: undefined });
    const pod = podOf(objects[0]);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]?.readinessProbe.tcpSocket).toEqual({ port: 'http' });
    const docs = manifestsYaml(objects)
      .split('---\n')
      .map((d) => parseYaml(d) as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service']);
  });
});

describe('generate inputs', () => {
  it('defaults: never generate; production means two replicas', () => {
    expect(parseGenerateInputs(reader({}))).toMatchObject({
      policy: 'never',
      port: 3000,
      replicas: 1,
      production: false,
    });
    expect(parseGenerateInputs(reader({ 'generated-profile': 'production' }))).toMatchObject({ replicas: 2 });
  });

  it.each([
    [{ 'generate-manifests': 'always' }, 'Input \'generate-manifests\' has an invalid value "always"'],
    [{ port: '70000' }, 'Input \'port\' has an invalid value "70000"'],
    [{ 'readiness-path': 'health' }, 'Input \'readiness-path\' has an invalid value "health": expected an HTTP path'],
    [{ 'memory-limit': 'lots' }, 'Input \'memory-limit\' has an invalid value "lots": expected a Kubernetes quantity'],
    [{ 'app-name': 'My_App' }, 'Input \'app-name\' has an invalid value "My_App"'],
    [{ 'run-as-user': '0' }, 'Input \'run-as-user\' has an invalid value "0"'],
  ])('rejects %j', (values, message) => {
    expect(() => parseGenerateInputs(reader(values))).toThrow(message);
  });
});

function fakeIo(
  files: Record<string, string>,
  kustomizations: Record<string, string> = {},
): SourceIo & { written: Record<string, string> } {
  const written: Record<string, string> = {};
  return {
    written,
    loadManifests: async (patterns) => {
      const { parseManifest } = await import('../src/manifests.js');
      return patterns.flatMap((p) => parseManifest(files[p] ?? '', p).objects);
    },
    unmatched: async (patterns) =>
      patterns.filter((p) => files[p] === undefined && kustomizations[`/ws/${p}`] === undefined),
    kustomization: async (dir) => (kustomizations[dir] === undefined ? undefined : `${dir}/kustomization.yaml`),
    kustomize: async (dir) => kustomizations[dir] as string,
    write: async (file, text) => void (written[file] = text),
  };
}

const request = (manifests: string[], policy: 'never' | 'when-missing'): SourceRequest => ({
  manifests,
  workspace: '/ws',
  allowOutside: false,
  images: [{ name: 'ghcr.io/acme/shop', image: 'ghcr.io/acme/shop@sha256:' + 'a'.repeat(64) }],
  generate: { ...parseGenerateInputs(reader({})), policy },
  outputDir: '/rt/deploy-k8s',
});

const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n';

describe('manifest sources', () => {
  it('generates when nothing matches and generation is on, and keeps the file', async () => {
    const io = fakeIo({});
    const sources = await readSources(request(['k8s/overlays/staging'], 'when-missing'), io);
    expect(sources.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`)).toEqual([
      'Deployment/shop',
      'Service/shop',
    ]);
    expect(sources.generated?.file).toBe('/rt/deploy-k8s/generated-manifests.yaml');
    expect(io.written['/rt/deploy-k8s/generated-manifests.yaml']).toContain('image: ghcr.io/acme/shop');
    expect(manifestSourceSummary(sources)).toContain('### Generated manifests');
  });

  it('uses the files when they match, whatever the policy', async () => {
    const sources = await readSources(request(['k8s/cm.yaml'], 'when-missing'), fakeIo({ 'k8s/cm.yaml': cm }));
    expect(sources.generated).toBeUndefined();
    expect(sources.objects.map((o) => o.file)).toEqual(['k8s/cm.yaml']);
  });

  it('renders a kustomize directory, beside plain files', async () => {
    const io = fakeIo({ 'extra.yaml': cm.replace('name: a', 'name: b') }, { '/ws/k8s/base': cm });
    const sources = await readSources(request(['k8s/base', 'extra.yaml'], 'never'), io);
    expect(sources.kustomized).toEqual(['k8s/base']);
    expect(sources.objects.map((o) => `${o.file}:${o.object.metadata.name}`)).toEqual([
      'k8s/base (kustomize):a',
      'extra.yaml:b',
    ]);
    expect(manifestSourceSummary(sources)).toContain('Rendered with `kubectl kustomize`: `k8s/base`.');
  });

  it('needs an image to generate for', async () => {
    const req = { ...request(['missing'], 'when-missing'), images: [] };
    await expect(readSources(req, fakeIo({}))).rejects.toThrow("Input 'images': generate-manifests needs the image");
  });
});
