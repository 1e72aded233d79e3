// Versioned SQL migrations: migrations/NNNN_name.sql, applied in order, each in its own
// transaction, recorded with a checksum in schema_migrations. A PostgreSQL advisory lock
// serialises concurrent runners (several pods starting with MIGRATE_ON_START=true).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Db } from './pool.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const LOCK_KEY = 726_351_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(path.join(dir, file), 'utf8');
    out.push({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const versions = new Set(out.map((m) => m.version));
  if (versions.size !== out.length) throw new Error('duplicate migration version');
  return out;
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const migrations = await loadMigrations(dir);
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Map<number, string>();
      for (const row of (
        await client.query<{ version: number; checksum: string }>(
          'SELECT version, checksum FROM schema_migrations',
        )
      ).rows) {
        done.set(row.version, row.checksum);
      }
      const applied: string[] = [];
      for (const m of migrations) {
        const prior = done.get(m.version);
        if (prior !== undefined) {
          if (prior !== m.checksum)
            throw new Error(
              `migration ${String(m.version).padStart(4, '0')}_${m.name} was changed after it was applied`,
            );
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
            [m.version, m.name, m.checksum],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(`${String(m.version).padStart(4, '0')}_${m.name}`);
      }
      const current = migrations.length ? migrations[migrations.length - 1].version : 0;
      return { applied, current };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
