/**
 * A local stand-in for the part of GitHub's REST API that Deployments use,
 * on 127.0.0.1 (GitHub itself is not reachable from the tests). It checks
 * what GitHub checks: the token (401 Bad credentials), the repository in
 * the path (404), the payloads (422 Validation Failed for a missing ref or
 * an unknown state), and the status lifecycle the action promises
 * (in_progress first; one final success/failure/error; inactive only after
 * success), answering 422 otherwise. Every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'] as const;

export interface RecordedStatus {
  id: number;
  state: string;
  description?: string;
  environment_url?: string;
  log_url?: string;
}

export interface RecordedDeployment {
  id: number;
  ref: string;
  environment: string;
  description?: string;
  statuses: RecordedStatus[];
}

export interface LocalGithub {
  url: string;
  deployments: RecordedDeployment[];
  requests: { method: string; path: string; status: number }[];
  /** Adds an earlier deployment of the environment with these states (oldest first). */
  seed(environment: string, states: string[]): RecordedDeployment;
  close(): Promise<void>;
}

type Answer = [number, unknown];

function validation(field: string, code: string): Answer {
  return [
    422,
    {
      message: 'Validation Failed',
      errors: [{ resource: 'Deployment', field, code }],
      documentation_url: 'https://docs.github.com/rest',
    },
  ];
}

/** The order rule: why `next` may not follow `history`, or undefined. */
export function orderProblem(history: readonly string[], next: string): string | undefined {
  const final = history.find((s) => s === 'success' || s === 'failure' || s === 'error');
  if (history.length === 0 && !['in_progress', 'queued', 'pending'].includes(next)) return `${next} before in_progress`;
  if (next === 'inactive')
    return history.at(-1) === 'success'
      ? undefined
      : `inactive after ${history.at(-1) ?? 'nothing'} (only a successful deployment becomes inactive)`;
  if (final) return `${next} after the final ${final}`;
  return undefined;
}

export async function startLocalGithub(options: { token: string; repository: string }): Promise<LocalGithub> {
  const deployments: RecordedDeployment[] = [];
  const requests: LocalGithub['requests'] = [];
  let nextId = 1000;
  const base = `/repos/${options.repository}`;

  const createDeployment = (body: Record<string, unknown>): Answer => {
    if (typeof body['ref'] !== 'string' || body['ref'] === '') return validation('ref', 'missing_field');
    const deployment: RecordedDeployment = {
      id: nextId++,
      ref: body['ref'],
      environment: typeof body['environment'] === 'string' ? body['environment'] : 'production',
      statuses: [],
      ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
    };
    deployments.push(deployment);
    return [
      201,
      {
        id: deployment.id,
        ref: deployment.ref,
        sha: deployment.ref,
        environment: deployment.environment,
        url: `${base}/deployments/${deployment.id}`,
      },
    ];
  };

  const createStatus = (deployment: RecordedDeployment, body: Record<string, unknown>): Answer => {
    const state = body['state'];
    if (typeof state !== 'string' || !(STATES as readonly string[]).includes(state))
      return validation('state', 'invalid');
    const problem = orderProblem(
      deployment.statuses.map((s) => s.state),
      state,
    );
    if (problem) return [422, { message: `Validation Failed: status order (${problem})` }];
    const status: RecordedStatus = { id: nextId++, state };
    for (const key of ['description', 'environment_url', 'log_url'] as const)
      if (typeof body[key] === 'string') status[key] = body[key];
    deployment.statuses.push(status);
    return [201, { ...status, url: `${base}/deployments/${deployment.id}/statuses/${status.id}` }];
  };

  const route = (method: string, url: URL, body: Record<string, unknown>): Answer => {
    if (url.pathname === `${base}/deployments`) {
      if (method === 'POST') return createDeployment(body);
      if (method === 'GET') {
        const env = url.searchParams.get('environment');
        return [
          200,
          deployments
            .filter((d) => !env || d.environment === env)
            .reverse()
            .map((d) => ({ id: d.id, ref: d.ref, environment: d.environment })),
        ];
      }
    }
    const m = new RegExp(`^${base}/deployments/(\\d+)/statuses$`).exec(url.pathname);
    const deployment = m ? deployments.find((d) => d.id === Number(m[1])) : undefined;
    if (m && !deployment) return [404, { message: 'Not Found' }];
    if (deployment && method === 'POST') return createStatus(deployment, body);
    if (deployment && method === 'GET') return [200, [...deployment.statuses].reverse()];
    return [404, { message: 'Not Found' }];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const auth = req.headers.authorization ?? '';
      let answer: Answer;
      if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`)
        answer = [401, { message: 'Bad credentials' }];
      else {
        let body: Record<string, unknown> = {};
        try {
          body =
            chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          answer = [400, { message: 'Problems parsing JSON' }];
        }
        answer ??= route(req.method ?? 'GET', url, body);
      }
      requests.push({ method: req.method ?? '', path: url.pathname, status: answer[0] });
      res.writeHead(answer[0], { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer[1]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deployments,
    requests,
    seed(environment, states) {
      const deployment: RecordedDeployment = {
        id: nextId++,
        ref: 'seed',
        environment,
        statuses: states.map((state) => ({ id: nextId++, state })),
      };
      deployments.push(deployment);
      return deployment;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
