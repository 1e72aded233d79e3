/**
 * The service itself, started locally for smoke tests (the cluster's kwok
 * nodes run no containers): its dependencies as the image build installs
 * them, its database migrated, the deployed configuration, then `npm start`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SecretMasker } from '@pipeline/action-kit/protocol';
import { runProcess } from '../exec.js';
import { exists } from '../files.js';
import { startApp } from '../local.js';
import type { AppProcess, LocalServices } from '../local.js';
import { deployedEnvironment } from './deployed-env.js';

export interface ServiceAppRequest {
  serviceDir: string;
  workspace: string;
  port: number;
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

export async function startServiceApp(req: ServiceAppRequest): Promise<AppProcess> {
  const started = performance.now();
  // npm's per-script variables of `npm run pipeline` itself would redirect this npm.
  const base = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('npm_')),
  );
  if (!(await exists(path.join(req.serviceDir, 'node_modules'))))
    await npm(req, ['ci', '--no-audit', '--no-fund'], base, 15 * 60_000, 'service-install.log');
  const deployed = await deployedEnvironment(req.deployedManifests);
  const env: Record<string, string> = { ...deployed, ...req.services.env };
  // A real environment's database is already migrated; the fresh local one gets the service's own `npm run migrate`.
  const pkg = JSON.parse(await readFile(path.join(req.serviceDir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  if (pkg.scripts?.['migrate']) {
    await npm(req, ['run', 'migrate'], { ...base, ...env }, 5 * 60_000, 'service-migrate.log');
    req.notes.push(
      "The local database was prepared with the service's `npm run migrate` (a real environment's database is already migrated).",
    );
  }
  if (Object.keys(deployed).length > 0)
    req.notes.push(
      `The service gets the deployed configuration: ${Object.keys(deployed).sort().join(', ')} (from the applied manifests).`,
    );
  const app = await startApp(req.serviceDir, req.port, env, path.join(req.logs, 'service.log'));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  req.notes.push(
    `The service runs locally at ${app.url} (npm start in ${path.relative(req.workspace, req.serviceDir) || '.'}, ready in ${seconds}s, on the local PostgreSQL and Redis).`,
  );
  return app;
}
