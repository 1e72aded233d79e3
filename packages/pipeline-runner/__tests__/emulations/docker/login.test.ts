import { describe, expect, it } from '@jest/globals';
import { authList, loginAction, routeLogin } from '../../../src/emulations/docker/login.js';
import { FakeIO, REGISTRY, context } from '../../helpers/docker-fake-io.js';

const TOKEN = 'ghs_localTokenValue123';

describe('login-action: routing before any credential is used', () => {
  it.each<[string, { registry: string; ecr?: string }, string[], string]>([
    ['ghcr.io goes to the local registry', { registry: 'ghcr.io' }, ['*'], `target:${REGISTRY}`],
    ['Docker Hub (empty registry) too', { registry: '' }, ['*'], `target:${REGISTRY}`],
    ['the local registry itself', { registry: REGISTRY }, ['ghcr.io'], `target:${REGISTRY}`],
    [
      'a host the runner did not redirect is refused',
      { registry: 'quay.io' },
      ['ghcr.io'],
      'refuse:login to quay.io refused',
    ],
    [
      'ECR (auto-detected) needs AWS',
      { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' },
      ['*'],
      'skip:login to 123456789012.dkr.ecr.eu-west-1.amazonaws.com is an Amazon ECR login',
    ],
    ['public ECR', { registry: 'public.ecr.aws' }, ['*'], 'skip:login to public.ecr.aws is an Amazon ECR login'],
    ['ecr: false forces a standard login', { registry: 'public.ecr.aws', ecr: 'false' }, ['*'], `target:${REGISTRY}`],
  ])('%s', (_name, given, redirects, expected) => {
    const auth = authList({
      registry: given.registry,
      username: 'u',
      password: 'p',
      ...(given.ecr ? { ecr: given.ecr } : {}),
    })[0];
    const route = routeLogin(auth!, REGISTRY, redirects);
    const text = 'target' in route ? `target:${route.target}` : `${route.skip ? 'skip' : 'refuse'}:${route.refuse}`;
    expect(text.startsWith(expected)).toBe(true);
  });
});

describe('login-action: the step', () => {
  it('logs in to the local registry with the password on stdin only, and masks it', async () => {
    const io = new FakeIO(() => ({ exitCode: 0, stdout: 'Login Succeeded', stderr: '' }));
    const outcome = await loginAction({ registry: 'ghcr.io', username: 'octocat', password: TOKEN }, context(), io);
    expect(outcome.status).toBe('success');
    expect(io.calls).toEqual([
      { argv: ['docker', 'login', '--password-stdin', '--username', 'octocat', REGISTRY], options: { stdin: TOKEN } },
    ]);
    expect(io.calls.flatMap((c) => c.argv).join(' ')).not.toContain(TOKEN);
    expect(outcome.masks).toEqual([TOKEN]);
    expect(outcome.notes).toContain(`emulated: login to ghcr.io redirected to the local registry ${REGISTRY}`);
  });

  it('the post step logs out of the local registry', async () => {
    const io = new FakeIO();
    const outcome = await loginAction({ registry: 'ghcr.io', username: 'octocat', password: TOKEN }, context(), io);
    const post = await outcome.post?.(io);
    expect(post?.status).toBe('success');
    expect(io.calls[1]?.argv).toEqual(['docker', 'logout', REGISTRY]);
  });

  it('logout: false leaves no post step', async () => {
    const outcome = await loginAction(
      { registry: 'ghcr.io', username: 'u', password: TOKEN, logout: 'false' },
      context(),
      new FakeIO(),
    );
    expect(outcome.post).toBeUndefined();
  });

  it('a host that is not redirected is refused; nothing is executed; the password is still masked', async () => {
    const io = new FakeIO();
    const ctx = context();
    ctx.docker!.redirectHosts = ['ghcr.io'];
    const outcome = await loginAction({ registry: 'registry.example.com', username: 'u', password: TOKEN }, ctx, io);
    expect(outcome.status).toBe('failure');
    expect(outcome.reason).toMatch(
      /login to registry.example.com refused: that registry is not redirected .* never sends credentials to a real registry/,
    );
    expect(io.calls).toEqual([]);
    expect(outcome.masks).toEqual([TOKEN]);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['no credentials', { registry: 'ghcr.io' }, /Username and password required \(registry ghcr.io\)/],
    ['no username', { registry: 'ghcr.io', password: TOKEN }, /Username required/],
    ['no password (an empty secret)', { registry: 'ghcr.io', username: 'u' }, /Password required/],
    [
      'registry-auth with other inputs',
      { 'registry-auth': '- registry: ghcr.io', username: 'u' },
      /Cannot use registry-auth with other inputs/,
    ],
    [
      'logout not a boolean',
      { registry: 'ghcr.io', username: 'u', password: TOKEN, logout: 'maybe' },
      /specification: logout/,
    ],
  ])('%s fails the step', async (_name, inputs, message) => {
    const io = new FakeIO();
    const outcome = await loginAction(inputs, context(), io);
    expect(outcome.status).toBe('failure');
    expect(outcome.reason).toMatch(message);
    expect(io.calls).toEqual([]);
  });

  it('registry-auth logs in to each (deduplicated logout), masking every password', async () => {
    const io = new FakeIO();
    const auth = `- registry: ghcr.io\n  username: a\n  password: pw-one-123\n- registry: docker.io\n  username: b\n  password: pw-two-456\n`;
    const outcome = await loginAction({ 'registry-auth': auth }, context(), io);
    expect(outcome.status).toBe('success');
    expect(outcome.masks).toEqual(['pw-one-123', 'pw-two-456']);
    expect(io.calls.map((c) => c.options.stdin)).toEqual(['pw-one-123', 'pw-two-456']);
    await outcome.post?.(io);
    expect(io.calls.filter((c) => c.argv[1] === 'logout')).toHaveLength(1);
  });

  it("docker login's error is the failure reason", async () => {
    const io = new FakeIO(() => ({
      exitCode: 1,
      stdout: '',
      stderr: 'Error response from daemon: Get "http://127.0.0.1:5000/v2/": connection refused\n',
    }));
    const outcome = await loginAction({ registry: 'ghcr.io', username: 'u', password: TOKEN }, context(), io);
    expect(outcome.reason).toBe('Error response from daemon: Get "http://127.0.0.1:5000/v2/": connection refused');
  });

  it('without the container engine: skipped, password masked', async () => {
    const outcome = await loginAction(
      { registry: 'ghcr.io', username: 'u', password: TOKEN },
      context({ docker: undefined }),
      new FakeIO(),
    );
    expect(outcome.status).toBe('skipped');
    expect(outcome.masks).toEqual([TOKEN]);
  });
});
