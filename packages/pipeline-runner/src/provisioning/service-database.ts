/**
 * The local database for the service's smoke tests: migrated with the
 * service's own `npm run migrate`, as a real environment's already is.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SecretMasker } from '@pipeline/action-kit/protocol';
import { runProcess } from '../exec.js';
import { exists } from '../files.js';
import type { LocalServices } from '../local.js';
import { deployedEnvironment } from './deployed-env.js';

export interface ServiceAppRequest {
  serviceDir: string;
  workspace: string;
  services: LocalServices;
  deployedManifests: string[];
  scratch: string;
  logs: string;
  masker: SecretMasker;
  notes: string[];
}

async function npm(
  req: ServiceAppRequest,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  log: string,
): Promise<void> {
  const result = await runProcess({
    command: 'npm',
    args,
    cwd: req.serviceDir,
    env: () => env,
    timeoutMs,
    scratchRoot: req.scratch,
    masker: req.masker,
    workspace: req.workspace,
    logFile: path.join(req.logs, log),
  });
  if (result.exitCode !== 0)
    throw new Error(`npm ${args.join(' ')} for the service failed: ${result.tail.slice(-3).join(' | ')}`);
}

/** The fresh local database gets the service's own `npm run migrate`, when it has one (a real environment's is already migrated). */
export async function migrateDatabase(req: ServiceAppRequest): Promise<void> {
  const pkg = JSON.parse(await readFile(path.join(req.serviceDir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  if (!pkg.scripts?.['migrate']) return;
  // npm's per-script variables of `npm run pipeline` itself would redirect this npm.
  const base = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('npm_')),
  );
  if (!(await exists(path.join(req.serviceDir, 'node_modules'))))
    await npm(req, ['ci', '--no-audit', '--no-fund'], base, 15 * 60_000, 'service-install.log');
  const deployed = await deployedEnvironment(req.deployedManifests);
  await npm(req, ['run', 'migrate'], { ...base, ...deployed, ...req.services.env }, 5 * 60_000, 'service-migrate.log');
  req.notes.push(
    "The local database was prepared with the service's `npm run migrate` from its sources (a real environment's database is already migrated); the service itself runs from its image.",
  );
}
