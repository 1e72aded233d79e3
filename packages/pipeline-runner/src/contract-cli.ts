/** Prints the workflow contract findings (see contract.ts); exit 1 when there are any. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkWorkflows, formatFinding } from './contract.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bases = [root, path.join(root, 'fixtures/adopter-repo')];
const files: { base: string; file: string }[] = [];
for (const base of bases) {
  const names = await readdir(path.join(base, '.github/workflows')).catch(() => [] as string[]);
  for (const name of names.filter((n) => /\.ya?ml$/.test(n)).sort())
    files.push({ base, file: `.github/workflows/${name}` });
}
const { findings, missing } = await checkWorkflows(root, files);
for (const action of missing)
  console.log(`missing: ${action}/action.yml does not exist yet; wire the stage in when it does`);
for (const finding of findings) console.log(formatFinding(finding));
console.log(`contract: ${findings.length} findings in ${files.length} workflows`);
process.exitCode = findings.length > 0 ? 1 : 0;
