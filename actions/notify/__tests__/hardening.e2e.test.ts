/**
 * Issue 13 regressions, through the built bundle as the runner runs it: a
 * slack-api-url with user:password is refused by name (fetch could never send
 * it) and its password shows nowhere; a server that echoes the token back
 * (plain, base64, base64url, URL-encoded, cut by the error's excerpt) leaks
 * it nowhere; a token that cannot be sent as a header fails as an input error
 * before any request.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAction, type ActionRun } from '@pipeline/action-kit/testing';

const ACTION = 'actions/notify';
const TOKEN = 'xoxb-1111111111-2222222222-HardeningTokenValue';
const PASSWORD = 'ProxyPassw0rd-9c1e';

/** A proxy that answers HTTP 500 with the request's Authorization header in every spelling, after `padding` characters. */
let server: Server;
let base = '';
let requests = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    // /cut<N>/api/...: the header after N characters of padding.
    const cut = /^\/cut(\d+)\//.exec(req.url ?? '');
    const padding = 'p'.repeat(Number(cut?.[1] ?? 0));
    const auth = String(req.headers.authorization ?? '');
    const echoed = cut
      ? `${padding}${auth}`
      : `echo ${auth} ${Buffer.from(auth).toString('base64')} ${Buffer.from(auth).toString('base64url')} ${encodeURIComponent(auth)}`;
    req.resume();
    req.on('end', () => res.writeHead(500, { 'content-type': 'text/plain' }).end(echoed));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Everything a person or a later step sees, but the ::add-mask:: registrations. */
function visible(result: ActionRun): string {
  const stdout = result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [stdout, result.stderr, result.summary, JSON.stringify(result.outputs), result.failure ?? ''].join('\n');
}

const run = (inputs: Record<string, string>): Promise<ActionRun> =>
  runAction(ACTION, {
    inputs: { 'slack-token': TOKEN, channel: 'C0DEPLOYS', status: 'success', retries: '0', timeout: '5s', ...inputs },
    timeoutMs: 60_000,
  });

describe('notify: credentials and an echoed token stay hidden', () => {
  it('a slack-api-url with user:password is refused by name before any request, and the password shows nowhere', async () => {
    const before = requests;
    const result = await run({ 'slack-api-url': `http://fzuser:${PASSWORD}@${base}/api/` });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toBe(
      `Input 'slack-api-url' has an invalid value "http://***@${base}/api/": expected a URL without user:password (the Slack client cannot send them: fetch refuses a URL with credentials; slack-token authenticates the calls).`,
    );
    expect(requests).toBe(before);
    expect(visible(result)).not.toContain(PASSWORD);
  });

  it('a token the API echoes plain, base64, base64url and URL-encoded shows nowhere', async () => {
    const result = await run({ 'slack-api-url': `http://${base}/api/` });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toContain(`the Slack API at http://${base}/api/ answered HTTP 500 (echo Bearer ***`);
    const text = visible(result);
    for (const form of [
      TOKEN,
      Buffer.from(`Bearer ${TOKEN}`).toString('base64').slice(12, 40),
      Buffer.from(`Bearer ${TOKEN}`).toString('base64url').slice(12, 40),
      encodeURIComponent(`Bearer ${TOKEN}`),
    ])
      expect(text).not.toContain(form);
  });

  it('a token cut by the error excerpt (300 characters) leaves no part of it', async () => {
    // "Bearer " plus the token straddles character 300 of the answer.
    const result = await run({ 'slack-api-url': `http://${base}/cut280/api/` });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/answered HTTP 500 \(p+Bearer \*\*\*/);
    expect(visible(result)).not.toContain(TOKEN.slice(0, 8));
  });
});

describe('notify: a token that cannot be a header is an input error, not a network failure', () => {
  it.each([
    ['a line break', `${TOKEN}\nX-Injected: 1`],
    ['a non-ASCII character', `${TOKEN}\u2c2b`],
    ['9 KB', `xoxb-${'1'.repeat(9000)}`],
  ])('%s', async (_what, token) => {
    const before = requests;
    const result = await run({ 'slack-token': token, 'slack-api-url': `http://${base}/api/` });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/^Input 'slack-token' has an invalid value "\*\*\*": expected a Slack token/);
    expect(requests).toBe(before);
  });
});
