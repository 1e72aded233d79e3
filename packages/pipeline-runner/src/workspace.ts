/**
 * The run's places on disk (a scratch directory with the workspace copy,
 * logs and artifacts under the report directory) and its cleanups, which
 * also run when the run is interrupted (Ctrl-C, a CI timeout).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { copyWorkingTree } from './local.js';

export interface RunDirs {
  scratch: string;
  workspace: string;
  logs: string;
  artifacts: string;
  services: string;
  runnerTemp: string;
  toolCache: string;
}

/** fill puts the repository's files into the workspace (default: a copy of the working tree) and returns how many. */
export async function prepareWorkspace(
  repo: string,
  reportDir: string,
  fill: (workspace: string, scratch: string) => Promise<number> = (workspace) => copyWorkingTree(repo, workspace),
): Promise<{ dirs: RunDirs; copied: number }> {
  const report = path.resolve(reportDir);
  const scratch = await mkdtemp(path.join(tmpdir(), 'pipeline-run-'));
  const dirs: RunDirs = {
    scratch,
    workspace: path.join(scratch, 'workspace'),
    logs: path.join(report, 'logs'),
    artifacts: path.join(report, 'artifacts'),
    services: path.join(scratch, 'services'),
    runnerTemp: path.join(scratch, 'runner-temp'),
    toolCache: path.join(scratch, 'tool-cache'),
  };
  await rm(dirs.logs, { recursive: true, force: true });
  await rm(dirs.artifacts, { recursive: true, force: true });
  for (const dir of [report, dirs.logs, dirs.artifacts, dirs.workspace, dirs.runnerTemp])
    await mkdir(dir, { recursive: true });
  return { dirs, copied: await fill(dirs.workspace, scratch) };
}

/** What the run started and must stop, last started first. */
export class Cleanups {
  private readonly list: (() => Promise<void>)[] = [];
  private readonly log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.log = log;
  }

  push(cleanup: () => Promise<void>): void {
    this.list.push(cleanup);
  }

  async runAll(): Promise<void> {
    for (const cleanup of this.list.splice(0).reverse())
      await cleanup().catch((e: unknown) => this.log(`cleanup: ${String(e)}`));
  }
}

/** Runs body; on SIGINT/SIGTERM runs the cleanups, removes the scratch directory and exits as the signal asks. */
export async function withInterruptCleanup<T>(
  cleanups: Cleanups,
  scratch: string,
  log: (line: string) => void,
  body: () => Promise<T>,
): Promise<T> {
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`pipeline: ${signal}: stopping the services, the service process and removing the workspace`);
    void cleanups
      .runAll()
      .then(() => rm(scratch, { recursive: true, force: true }))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanups.runAll();
  }
}
