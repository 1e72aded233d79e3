/**
 * Phase 4, backup: the live state of everything about to change, cleaned of
 * server fields, kept in memory for the rollback and written as YAML (Secret
 * values as digests, mode 0600) before the first write.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { cleanObject, describeRef, redactSecret, type KubeObject } from '../objects.js';
import type { BackedUp, PhaseContext, Validated } from './context.js';

/** The backup file's text: a header, the objects the deploy creates as comments, then one document per live object. */
export function backupText(takenAt: Date, backups: readonly KubeObject[], created: readonly string[]): string {
  const header =
    `# deploy-k8s backup taken ${takenAt.toISOString()} before applying; ${backups.length} live object(s).\n` +
    '# Secret values are replaced by digests. Objects the deploy creates are listed as comments.\n';
  const comments = created.map((ref) => `# would be created: ${ref}\n`).join('');
  return header + comments + backups.map((o) => `---\n${toYaml(redactSecret(o), { lineWidth: 0 })}`).join('');
}

export async function backup(ctx: PhaseContext, state: Validated): Promise<BackedUp> {
  const { report, options } = ctx;
  const backups = new Map<string, KubeObject>();
  for (const item of state.changing) if (item.live) backups.set(item.key, cleanObject(item.live));
  await ctx.phase('Back up live state', async () => {
    await mkdir(options.backupDir, { recursive: true });
    const takenAt = new Date(ctx.clock());
    report.backupFile = path.join(
      options.backupDir,
      `deploy-k8s-backup-${takenAt.toISOString().replace(/[:.]/g, '-')}.yaml`,
    );
    const created = state.changing.filter((i) => !i.live).map((i) => describeRef(i.ref));
    await writeFile(report.backupFile, backupText(takenAt, [...backups.values()], created), { mode: 0o600 });
    ctx.mark(`backup of ${backups.size} object(s) written`);
    ctx.log(`Backup of ${backups.size} live object(s): ${report.backupFile}`);
  });
  return { ...state, backups };
}
