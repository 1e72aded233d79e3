/**
 * For the canary and blue-green tests on the real node: running the built
 * action with the strategy inputs, a local GitHub for its Deployments, and
 * a bounded concurrent load through the API server's service proxy that
 * attributes every answer to the version that gave it (testapp names its
 * version in good and failed answers alike).
 */
import https from 'node:https';
import { runAction, type ActionRun } from '@pipeline/action-kit/testing';
import type { TestCluster } from './cluster.js';
import type { LocalGithub } from './local-github.js';
import { testAppManifests, type TestAppOptions } from './real-node.js';
import { workspace } from './workspace.js';

export interface Deployer {
  run(app: TestAppOptions, inputs?: Record<string, string>, extra?: string): Promise<ActionRun>;
}

export function deployer(action: string, cluster: TestCluster, ns: string, github?: LocalGithub): Deployer {
  return {
    async run(app, inputs = {}, extra = '') {
      const ws = await workspace({ 'k8s/app.yaml': testAppManifests(app) + extra });
      return runAction(action, {
        workspace: ws,
        inputs: {
          kubeconfig: cluster.kubeconfigText,
          namespace: ns,
          manifests: 'k8s',
          timeout: '150s',
          ...(github
            ? {
                'github-token': 'ghs_localtoken',
                environment: 'production',
                'environment-url': 'https://shop.example/',
              }
            : {}),
          ...inputs,
        },
        env: github ? { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: 'c0ffee' } : {},
        secrets: ['ghs_localtoken'],
        timeoutMs: 280_000,
      });
    },
  };
}

export interface LoadResult {
  /** Answers by version (v1, v2, ...) and outcome. */
  ok: Record<string, number>;
  failed: Record<string, number>;
  /** Failures no version claimed (proxy errors, resets): counted against stable. */
  unattributed: number;
  samples: string[];
  /** Clock times of the first and last answer from each version. */
  firstAt: Record<string, number>;
  lastAt: Record<string, number>;
}

function get(
  cluster: TestCluster,
  agent: https.Agent,
  opts: https.RequestOptions,
  path: string,
): Promise<{ status: number; body: string }> {
  const server = new URL(cluster.server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      { ...opts, agent, host: server.hostname, port: server.port, path, method: 'GET', timeout: 10_000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Sends requests to `path` through the Service until `stop()`, at most
 * `concurrency` in flight (bounded, loopback to the API server).
 */
export async function serviceLoad(
  cluster: TestCluster,
  ns: string,
  service: string,
  path: string,
  concurrency = 4,
): Promise<{ stop: () => Promise<LoadResult> }> {
  const opts: https.RequestOptions = {};
  await cluster.kc.applyToHTTPSOptions(opts);
  const agent = new https.Agent({ keepAlive: true, ca: opts.ca, cert: opts.cert, key: opts.key });
  const result: LoadResult = { ok: {}, failed: {}, unattributed: 0, samples: [], firstAt: {}, lastAt: {} };
  let running = true;
  const url = `/api/v1/namespaces/${ns}/services/${service}:80/proxy${path}`;
  const worker = async (): Promise<void> => {
    while (running) {
      const answer = await get(cluster, agent, opts, url).catch((e: unknown) => ({ status: 0, body: String(e) }));
      const version =
        /"version":"([^"]+)"/.exec(answer.body)?.[1] ?? /injected failure by (\S+)/.exec(answer.body)?.[1];
      const now = Date.now();
      if (version) {
        result.firstAt[version] ??= now;
        result.lastAt[version] = now;
      }
      if (answer.status === 200 && version) result.ok[version] = (result.ok[version] ?? 0) + 1;
      else if (version) result.failed[version] = (result.failed[version] ?? 0) + 1;
      else {
        result.unattributed += 1;
        if (result.samples.length < 5) result.samples.push(`${answer.status} ${answer.body.slice(0, 120)}`);
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      agent.destroy();
      return result;
    },
  };
}

export const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

export function analysisOf(run: ActionRun): {
  steps: {
    step: number;
    weight: number;
    outcome: string;
    reason?: string;
    criteria?: { name: string; ok: boolean }[];
  }[];
} {
  return JSON.parse(run.outputs['analysis'] || '{}') as ReturnType<typeof analysisOf>;
}
