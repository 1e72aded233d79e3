// Migrations: `npm run migrate` on a fresh database, idempotence, concurrent runners, tamper detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { Db } from '../src/db/pool.ts';
import { MIGRATIONS_DIR, migrate } from '../src/db/migrate.ts';
import { freshDatabase } from './helpers.ts';
import { SERVICE_ROOT } from './services.ts';

const exec = promisify(execFile);
const silent = pino({ level: 'silent' });
const open = (url: string) =>
  new Db(
    {
      connectionString: url,
      max: 2,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 2000,
    },
    silent,
  );

test('npm run migrate applies every migration once, then reports up to date', async () => {
  const url = await freshDatabase('migrate_cli');
  const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info' };
  const first = await exec(process.execPath, [path.join(SERVICE_ROOT, 'src/cli/migrate.ts')], {
    env,
    cwd: SERVICE_ROOT,
  });
  assert.match(first.stdout, /"applied":\["0001_catalog_schema","0002_seed_catalog"\]/);
  const second = await exec(process.execPath, [path.join(SERVICE_ROOT, 'src/cli/migrate.ts')], {
    env,
    cwd: SERVICE_ROOT,
  });
  assert.match(second.stdout, /database is up to date/);
  const db = open(url);
  try {
    const [row] = await db.query<{ id: string; title: string }>(
      'SELECT id::text, title FROM books ORDER BY id LIMIT 1',
    );
    assert.deepEqual(row, {
      id: '1',
      title: 'Continuous Delivery in Practice',
    });
    const versions = await db.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      versions.map((v) => v.version),
      [1, 2],
    );
  } finally {
    await db.close();
  }
});

test('pods starting together: concurrent runners apply each migration exactly once', async () => {
  const url = await freshDatabase('migrate_race');
  const dbs = [open(url), open(url), open(url)];
  try {
    const results = await Promise.all(dbs.map((d) => migrate(d)));
    assert.equal(results.flatMap((r) => r.applied).length, 2);
    const [n] = await dbs[0].query<{ n: number }>('SELECT count(*)::int AS n FROM authors');
    assert.equal(n.n, 25);
  } finally {
    await Promise.all(dbs.map((d) => d.close()));
  }
});

test('an applied migration that was edited stops the runner', async () => {
  const url = await freshDatabase('migrate_tamper');
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  const db = open(url);
  try {
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await migrate(db, dir);
    await appendFile(path.join(dir, '0001_catalog_schema.sql'), '\n-- edited afterwards\n');
    await assert.rejects(migrate(db, dir), /0001_catalog_schema was changed after it was applied/);
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
});
