/**
 * --no-install through the real provisioning script: with Redis hidden
 * from PATH, services.sh fails (the runner's switch SERVICES_NO_INSTALL=1)
 * naming the package and why it was needed, and never calls apt-get.
 */
import { afterAll, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_INSTALL_ENV } from '../src/system-packages.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

it('fails instead of installing, naming the package and why', async () => {
  const bin = await mkdtemp(path.join(tmpdir(), 'no-redis-bin-'));
  const state = await mkdtemp(path.join(tmpdir(), 'no-install-services-'));
  temps.push(bin, state);
  // This machine's commands without Redis's (and with an apt-get that records any call).
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin'])
    for (const name of await readdir(dir).catch(() => [] as string[]))
      if (!/^redis-|^apt-get$/.test(name))
        await symlink(path.join(dir, name), path.join(bin, name)).catch(() => undefined);
  const result = spawnSync(path.join(root, 'tools/services/services.sh'), ['start', 'redis'], {
    encoding: 'utf8',
    env: { ...NO_INSTALL_ENV, PATH: bin, SERVICES_STATE_DIR: state, HOME: state },
    timeout: 60_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    "services: error: missing system packages for the jobs' services: redis-server (Redis server and redis-cli for the jobs' redis services); not installed because SERVICES_NO_INSTALL=1 (--no-install)",
  );
  expect(result.stderr).not.toContain('installing system packages');
});
