import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const SERVICE_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCRIPT = path.resolve(SERVICE_ROOT, '../tools/services/services.sh');
export const STATE_DIR =
  process.env.TEST_SERVICES_STATE_DIR ?? path.join(SERVICE_ROOT, '.tmp/test-services');

export async function servicesCtl(
  cmd: 'start' | 'stop' | 'restart',
  which?: 'postgres' | 'redis',
): Promise<string> {
  const args = which ? [cmd, which] : [cmd];
  const { stdout } = await exec('bash', [SCRIPT, ...args], {
    env: { ...process.env, SERVICES_STATE_DIR: STATE_DIR },
    timeout: 300_000,
  });
  return stdout;
}

export function servicesEnv(): { DATABASE_URL: string; REDIS_URL: string } {
  const text = readFileSync(path.join(STATE_DIR, 'services.env'), 'utf8');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  if (!env.DATABASE_URL || !env.REDIS_URL) throw new Error(`services env incomplete: ${text}`);
  return env as { DATABASE_URL: string; REDIS_URL: string };
}
