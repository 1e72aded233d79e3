/**
 * A local stand-in for the two registry endpoints `npm audit` uses, serving
 * recorded real data, for tests and the benchmark (the registry reachable here
 * does not serve npm's bulk advisory endpoint).
 *
 * What npm 10/11 does (arborist lib/audit-report.js, npm-registry-fetch):
 *   POST {registry}/-/npm/v1/security/advisories/bulk
 *     body: JSON map of package name -> list of installed versions, gzip-compressed
 *     (`Content-Encoding: gzip`, from npm-registry-fetch's `gzip: true`)
 *   response: JSON map of package name -> list of advisories
 *     { id, url, title, severity, vulnerable_versions, cwe, cvss: { score, vectorString } }
 *   Older arborist versions (npm 7-9) fell back to POST /-/npm/v1/security/audits/quick
 *   when the bulk request failed; npm 11 (the one used here) has no fallback: when the
 *   bulk request fails, `npm audit --json` prints { message, method, uri, headers,
 *   statusCode, body } and exits non-zero. This server answers 404 to the quick
 *   endpoint, so an old npm's fallback also surfaces as an error, never as "no findings".
 * Then @npmcli/metavuln-calculator fetches each affected package's packument
 * (GET {registry}/{name}) to work out `fixAvailable`.
 *
 * The real endpoint only returns advisories that affect one of the versions
 * asked about, and leaves out packages with none; this server does the same.
 * Data: fixtures/registry/advisories-bulk.json (recorded advisories for
 * lodash) and fixtures/registry/packument-*.json (recorded packuments whose
 * tarball host is replaced by `{{registry}}`, filled in with this server's URL).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateSync } from 'node:zlib';
import semver from 'semver';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'registry');

export interface BulkAdvisory {
  id: number;
  url: string;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string;
  cwe: string[];
  cvss: { score: number; vectorString: string | null };
}

export interface RecordedRequest {
  method: string;
  url: string;
  contentEncoding: string | undefined;
  /** The decoded JSON body of a bulk request. */
  body?: Record<string, string[]>;
}

export interface AdvisoryServerOptions {
  /** Advisories by package (default: the recorded lodash advisories). */
  advisories?: Record<string, BulkAdvisory[]>;
  /** Answer the bulk endpoint with this status and body instead (to test scanner errors). */
  bulkFailure?: { status: number; body: string };
}

export interface AdvisoryServer {
  /** Base URL with a trailing slash, for `--registry`. */
  url: string;
  requests: RecordedRequest[];
  setBulkFailure(failure: AdvisoryServerOptions['bulkFailure']): void;
  close(): Promise<void>;
}

export function recordedAdvisories(): Record<string, BulkAdvisory[]> {
  return JSON.parse(readFileSync(path.join(fixtures, 'advisories-bulk.json'), 'utf8')) as Record<
    string,
    BulkAdvisory[]
  >;
}

/** The advisories a real bulk endpoint answers for `body`. Exported for the server's own test. */
export function answerBulk(
  body: Record<string, unknown>,
  advisories: Record<string, BulkAdvisory[]>,
): Record<string, BulkAdvisory[]> {
  const answer: Record<string, BulkAdvisory[]> = {};
  for (const [name, versions] of Object.entries(body)) {
    const known = advisories[name];
    if (!known || !Array.isArray(versions)) continue;
    const relevant = known.filter((advisory) =>
      versions.some(
        (version) =>
          typeof version === 'string' &&
          semver.valid(version) !== null &&
          semver.satisfies(version, advisory.vulnerable_versions, { includePrerelease: true }),
      ),
    );
    if (relevant.length > 0) answer[name] = relevant;
  }
  return answer;
}

function decodeBody(raw: Buffer, encoding: string | undefined): string {
  if (encoding === 'gzip') return gunzipSync(raw).toString('utf8');
  if (encoding === 'deflate') return inflateSync(raw).toString('utf8');
  return raw.toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startAdvisoryServer(options: AdvisoryServerOptions = {}): Promise<AdvisoryServer> {
  const advisories = options.advisories ?? recordedAdvisories();
  let bulkFailure = options.bulkFailure;
  const requests: RecordedRequest[] = [];
  let base = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const contentEncoding = req.headers['content-encoding'];
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', contentEncoding };
    requests.push(recorded);
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;

    if (pathname === '/-/npm/v1/security/advisories/bulk') {
      if (req.method !== 'POST') return send(res, 405, { error: 'Method Not Allowed' });
      let body: unknown;
      try {
        body = JSON.parse(decodeBody(raw, contentEncoding));
      } catch {
        return send(res, 400, { error: 'Invalid JSON body' });
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        return send(res, 400, { error: 'Body must be an object of package name to versions' });
      recorded.body = body as Record<string, string[]>;
      if (bulkFailure) return send(res, bulkFailure.status, bulkFailure.body);
      return send(res, 200, answerBulk(body as Record<string, unknown>, advisories));
    }

    if (req.method === 'GET' && pathname.length > 1 && !pathname.startsWith('/-/')) {
      const name = decodeURIComponent(pathname.slice(1));
      const file = path.join(fixtures, `packument-${name.replace(/^@/, '').replace(/\//g, '__')}.json`);
      if (!existsSync(file)) return send(res, 404, { error: 'Not found' });
      return send(res, 200, readFileSync(file, 'utf8').replace(/\{\{registry\}\}/g, base.replace(/\/$/, '')));
    }
    return send(res, 404, { error: 'Not found' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('advisory server has no TCP address');
  base = `http://127.0.0.1:${address.port}/`;
  return {
    url: base,
    requests,
    setBulkFailure: (failure) => {
      bulkFailure = failure;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// `node actions/security/__tests__/helpers/advisory-server.ts` serves until stopped (for trying npm audit by hand).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await startAdvisoryServer();
  console.log(`advisory server on ${server.url}`);
}
