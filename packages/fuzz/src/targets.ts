/**
 * What each action is fuzzed with: the kind of each action.yml input (which
 * hostile values it gets on top of the general mix), the inputs every case
 * sets on top of the action.yml defaults (required inputs, planted secrets,
 * loopback servers, short timeouts so a wait is bounded), the workspace it
 * starts from, and the bound on one run. Inputs not listed are `text`.
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlantedSecret } from './secrets.js';
import { loopbackCa, type FuzzServers } from './servers.js';
import { MARKER, type InputKind } from './values.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface TargetContext {
  servers: FuzzServers;
  /** Secrets planted for this campaign, by label. */
  secret: (label: string) => string;
  /** A directory on PATH ahead of the system's, holding the fake scanners. */
  fakeBin: string;
}

export interface FuzzTarget {
  name: string;
  dir: string;
  kinds: Readonly<Record<string, InputKind>>;
  /** Set on top of action.yml defaults in every case (the fuzzed input then replaces its own). */
  base(ctx: TargetContext): Record<string, string>;
  /** Secret labels planted by base() or prepare(): none may be seen in any form. */
  planted: readonly string[];
  /** Writes the workspace every case starts from. */
  prepare?(workspace: string, ctx: TargetContext): Promise<void>;
  /** A valid value per input, that payloads are appended to. */
  valid: Readonly<Record<string, string>>;
  /** The longest one run may take with the short timeouts of base(), on an idle machine (see caseBound). */
  boundMs: number;
  /** A request the baseline run must make to the loopback servers: proof that the cases reach past input parsing. */
  baselineRequest?: RegExp;
}

export const secretLabels = (ctx: TargetContext, labels: readonly string[]): PlantedSecret[] =>
  labels.map((label) => ({ label, value: ctx.secret(label) }));

/** FUZZ_ACTIONS_ROOT fuzzes the bundles of another checkout (a branch under review) with this suite. */
const actionsRoot = process.env['FUZZ_ACTIONS_ROOT'] ?? repoRoot;
const action = (name: string): string => path.join(actionsRoot, 'actions', name);

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

const notify: FuzzTarget = {
  name: 'notify',
  dir: action('notify'),
  kinds: {
    'slack-token': 'secret',
    'webhook-url': 'url',
    'slack-api-url': 'url',
    fields: 'yaml',
    duration: 'duration',
    timeout: 'duration',
    retries: 'number',
    'fail-on-error': 'boolean',
    'message-ts': 'number',
    'thread-ts': 'number',
  },
  base: (ctx) => ({
    'slack-token': ctx.secret('slack-token'),
    channel: 'C0FUZZ001',
    status: 'success',
    'slack-api-url': `${ctx.servers.service}/slack/api/`,
    timeout: '2s',
    retries: '1',
  }),
  planted: ['slack-token'],
  valid: {
    'slack-token': 'xoxb-1-2-abc',
    fields: 'a=b',
    retries: '1',
    timeout: '2s',
    'message-ts': '1700000000.000100',
  },
  boundMs: 20_000,
  baselineRequest: /^POST \/slack\/api\/chat\.postMessage$/,
};

const smokeTest: FuzzTarget = {
  name: 'smoke-test',
  dir: action('smoke-test'),
  kinds: {
    url: 'url',
    checks: 'yaml',
    'wait-for-ready': 'path',
    timeout: 'duration',
    'request-timeout': 'duration',
    'load-duration': 'duration',
    retries: 'number',
    'load-requests': 'number',
    'load-concurrency': 'number',
    'load-rate': 'number',
    'max-p95-ms': 'number',
    'max-error-rate': 'number',
    headers: 'headers',
  },
  base: (ctx) => ({
    url: `${ctx.servers.service}/app/`,
    headers: `Authorization: Bearer ${ctx.secret('smoke-header')}`,
    timeout: '3s',
    'request-timeout': '2s',
    retries: '0',
  }),
  planted: ['smoke-header'],
  // A checks file whose check names and expectations carry payloads, for the checks input to point at.
  prepare: (workspace) =>
    write(workspace, {
      'checks.yaml': [
        `- name: "reflect\\n::warning::${MARKER} from a checks file"`,
        '  path: /reflect',
        '  contains: never-there',
        `- name: "##[error]${MARKER} legacy"`,
        '  path: /',
      ].join('\n'),
      'not-yaml.txt': `: [ this is not YAML ${MARKER}\n`,
    }),
  valid: { checks: '- name: root\n  path: /', timeout: '3s', 'request-timeout': '2s', headers: 'X-Ok: 1' },
  boundMs: 25_000,
  baselineRequest: /^GET \/app\/$/,
};

const KUBE_MANIFEST = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: fuzz-config',
  'data:',
  '  greeting: hello',
].join('\n');

function kubeconfig(server: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'current-context: fz',
    'clusters:',
    `- name: fz\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${Buffer.from(loopbackCa()).toString('base64')}`,
    'contexts:',
    '- name: fz\n  context:\n    cluster: fz\n    user: fz\n    namespace: fuzz',
    'users:',
    `- name: fz\n  user:\n    token: ${token}`,
  ].join('\n');
}

const deployK8s: FuzzTarget = {
  name: 'deploy-k8s',
  dir: action('deploy-k8s'),
  kinds: {
    kubeconfig: 'kubeconfig',
    manifests: 'glob',
    images: 'yaml',
    timeout: 'duration',
    'failure-grace': 'duration',
    'rollback-on-failure': 'boolean',
    wait: 'boolean',
    lock: 'boolean',
    'dry-run': 'boolean',
    annotations: 'yaml',
  },
  // The API server is the reflecting one: it answers JSON that is not Kubernetes and echoes the token.
  base: (ctx) => ({
    kubeconfig: kubeconfig(ctx.servers.reflectTls, ctx.secret('kube-token')),
    manifests: 'deploy/app.yaml',
    timeout: '3s',
  }),
  planted: ['kube-token'],
  prepare: (workspace) => write(workspace, { 'deploy/app.yaml': KUBE_MANIFEST }),
  valid: { manifests: 'deploy/app.yaml', images: 'app=registry.example/app:1', annotations: 'a=b', timeout: '3s' },
  boundMs: 25_000,
  baselineRequest: /^GET \/api/,
};

/** A snyk that reports one finding whose text echoes its token, plain, base64 and split, on stdout and stderr. */
function fakeSnyk(node: string): string {
  return `#!${node}
const token = process.env.SNYK_TOKEN ?? '';
const b64 = Buffer.from(token).toString('base64');
const half = Math.floor(token.length / 2);
process.stderr.write('snyk: using token ' + token + '\\n' + b64 + '\\n' + token.slice(0, half) + '\\r' + token.slice(half) + '\\n::warning::${MARKER} from snyk stderr\\n');
const vulnerability = {
  id: 'SNYK-JS-FUZZ-1', title: 'Echo ' + token, description: 'b64 ' + b64, severity: 'low',
  packageName: 'lodash', version: '4.17.15', from: ['fixture', 'lodash@4.17.15'], identifiers: { CVE: [] },
};
process.stdout.write(JSON.stringify({ ok: false, vulnerabilities: [vulnerability], displayTargetFile: 'package-lock.json' }));
process.exit(1);
`;
}

/** A trivy that fails and leaves a workflow command at the tail of its stderr. */
function fakeTrivy(node: string): string {
  return `#!${node}
process.stderr.write('FATAL database error\\n::stop-commands::${MARKER}stop\\n##[warning]${MARKER} from trivy stderr\\n');
process.exit(1);
`;
}

const security: FuzzTarget = {
  name: 'security',
  dir: action('security'),
  kinds: {
    'working-directory': 'path',
    scanners: 'text',
    allowlist: 'yaml',
    'sarif-file': 'path',
    'sbom-file': 'path',
    'snyk-token': 'secret',
    registry: 'url',
    'fail-on-scanner-error': 'boolean',
  },
  base: (ctx) => ({
    'working-directory': 'app',
    scanners: 'npm-audit,snyk,trivy-fs',
    registry: `${ctx.servers.service}/npm/`,
    'snyk-token': ctx.secret('snyk-token'),
    'sarif-file': 'out/security.sarif',
  }),
  planted: ['snyk-token'],
  prepare: async (workspace, ctx) => {
    const fixture = path.join(repoRoot, 'actions/security/__tests__/fixtures/npm-project');
    await mkdir(path.join(workspace, 'app'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json'])
      await copyFile(path.join(fixture, file), path.join(workspace, 'app', file));
    await write(workspace, { 'allow.yaml': '- id: SNYK-JS-FUZZ-1\n  reason: fuzz\n  expires: 2999-12-31\n' });
    for (const [name, text] of [
      ['snyk', fakeSnyk(process.execPath)],
      ['trivy', fakeTrivy(process.execPath)],
    ] as const) {
      await writeFile(path.join(ctx.fakeBin, name), text);
      await chmod(path.join(ctx.fakeBin, name), 0o755);
    }
  },
  valid: { 'working-directory': 'app', scanners: 'npm-audit', allowlist: 'allow.yaml', 'sarif-file': 'out/x.sarif' },
  boundMs: 30_000,
  baselineRequest: /^POST \/npm\/-\/npm\/v1\/security\/advisories\/bulk$/,
};

const quality: FuzzTarget = {
  name: 'quality',
  dir: action('quality'),
  kinds: {
    'working-directory': 'path',
    checks: 'text',
    'max-line-length': 'number',
    'line-length-include': 'glob',
    'only-changed': 'boolean',
    'base-ref': 'text',
    'fail-on': 'text',
    cache: 'boolean',
  },
  // Only the line-length check (the other three need the project's own tools, and would only be slower),
  // on the files of the last commit, whose names carry workflow commands.
  base: () => ({ checks: 'line-length', cache: 'false', 'only-changed': 'true' }),
  planted: [],
  prepare: async (workspace) => {
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.name=fuzz', '-c', 'user.email=fuzz@example.invalid', ...args], {
        cwd: workspace,
        stdio: 'ignore',
      });
    };
    await write(workspace, { 'src/ok.ts': 'export const ok = 1;\n' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    await write(workspace, {
      [`src/${MARKER}\n::warning::${MARKER} file name.ts`]: `export const x = '${'x'.repeat(100)}';\n`,
      'src/long.ts': `export const long = '${'x'.repeat(100)}';\n`,
    });
    git('add', '.');
    git('commit', '-q', '-m', 'second');
  },
  valid: { 'working-directory': '.', checks: 'line-length', 'max-line-length': '120', 'line-length-include': 'src/**' },
  boundMs: 25_000,
};

export const TARGETS: readonly FuzzTarget[] = [notify, smokeTest, deployK8s, security, quality];

export function target(name: string): FuzzTarget {
  const found = TARGETS.find((t) => t.name === name);
  if (!found) throw new Error(`no fuzz target ${name}; have ${TARGETS.map((t) => t.name).join(', ')}`);
  return found;
}
