/**
 * A small real HTTP server on 127.0.0.1 for the smoke-test tests. It can be
 * told to fail, to be slow, to return GraphQL errors, to become ready only
 * after some polls, and it echoes request headers (to prove secrets are
 * redacted when a service reflects them).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServerControl {
  /** Polls of /health/ready answered 503 before it answers 200. */
  notReadyPolls: number;
  /** Requests to /flaky answered 500 before it answers 200. */
  flakyFailures: number;
  /** Every nth request to /sometimes-fails answers 500 (0: never). */
  failEvery: number;
  /** Extra delay in ms for every request. */
  delayMs: number;
}

export interface TestServer {
  url: string;
  control: ServerControl;
  /** Requests seen, by path (without query). */
  hits: Map<string, number>;
  close: () => Promise<void>;
}

const BOOKS = [
  { id: '1', title: 'Dune', pages: 412, available: true },
  { id: '2', title: 'Solaris', pages: 204, available: false },
];

export async function startTestServer(initial: Partial<ServerControl> = {}): Promise<TestServer> {
  const control: ServerControl = { notReadyPolls: 0, flakyFailures: 0, failEvery: 0, delayMs: 0, ...initial };
  const hits = new Map<string, number>();
  let sometimes = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const count = (hits.get(url.pathname) ?? 0) + 1;
      hits.set(url.pathname, count);
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = (): void => handle(url, count, body);
      if (control.delayMs > 0) setTimeout(reply, control.delayMs);
      else reply();
    });

    const send = (status: number, payload: unknown, type = 'application/json'): void => {
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };

    const handle = (url: URL, count: number, body: string): void => {
      const path = url.pathname;
      if (path === '/' || path === '/health/live') return send(200, { status: 'ok' });
      if (path === '/health/ready')
        return count <= control.notReadyPolls ? send(503, { status: 'starting' }) : send(200, { status: 'ready' });
      if (path === '/books') return send(200, { data: { books: BOOKS } });
      if (path === '/text') return send(200, 'plain text, not JSON: hello world', 'text/plain');
      if (path === '/big') return send(200, `start ${'x'.repeat(10_000)} end`, 'text/plain');
      if (path === '/echo-headers') return send(200, { headers: req.headers });
      if (path === '/echo-body')
        return send(200, { method: req.method, body, contentType: req.headers['content-type'] ?? null });
      if (path === '/flaky')
        return count <= control.flakyFailures
          ? send(500, { error: `failure ${count}` })
          : send(200, { ok: true, attempt: count });
      if (path === '/sometimes-fails') {
        sometimes++;
        return control.failEvery > 0 && sometimes % control.failEvery === 0
          ? send(500, { error: 'scheduled failure' })
          : send(200, { ok: true });
      }
      const status = /^\/status\/(\d{3})$/.exec(path);
      if (status) return send(Number(status[1]), { status: Number(status[1]) });
      const slow = /^\/slow\/(\d+)$/.exec(path);
      if (slow) {
        setTimeout(() => send(200, { slept: Number(slow[1]) }), Number(slow[1]));
        return;
      }
      if (path === '/graphql') return graphql(url, body);
      return send(404, { error: `no route ${path}` });
    };

    const graphql = (url: URL, body: string): void => {
      let query = url.searchParams.get('query') ?? '';
      let variables: Record<string, unknown> = {};
      if (req.method === 'POST') {
        try {
          const parsed = JSON.parse(body) as { query?: string; variables?: Record<string, unknown> };
          query = parsed.query ?? '';
          variables = parsed.variables ?? {};
        } catch {
          return send(400, { errors: [{ message: 'Body is not JSON' }] });
        }
      }
      // Like a real GraphQL server: broken queries answer 200 with an errors array.
      if (query.includes('broken'))
        return send(200, {
          data: null,
          errors: [{ message: 'Cannot query field "broken" on type "Query".', path: ['broken'] }],
        });
      if (query.includes('partial'))
        return send(200, {
          data: { books: [BOOKS[0]] },
          errors: [{ message: 'Reviews service unavailable', path: ['books', 0, 'reviews'] }],
        });
      if (query.includes('book(')) {
        const book = BOOKS.find((b) => b.id === variables['id']) ?? null;
        return send(200, { data: { book } });
      }
      if (query.includes('books'))
        return send(200, { data: { books: BOOKS.map((b) => ({ id: b.id, title: b.title })) } });
      return send(200, { data: { __typename: 'Query' } });
    };
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    control,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
