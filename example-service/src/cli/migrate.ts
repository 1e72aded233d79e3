// `npm run migrate`: apply pending migrations to DATABASE_URL (or the embedded PostgreSQL) and exit.
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openDatabase } from '../runtime.ts';
import { migrate } from '../db/migrate.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const { db, embedded } = await openDatabase(config, log);
let code = 0;
try {
  const r = await migrate(db);
  log.info(
    { applied: r.applied, version: r.current },
    r.applied.length ? 'migrations applied' : 'database is up to date',
  );
} catch (err) {
  log.error({ err }, 'migration failed');
  code = 1;
} finally {
  await db.close();
  if (embedded) await embedded.stop();
}
process.exit(code);
