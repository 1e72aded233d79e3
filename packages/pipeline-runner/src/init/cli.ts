/** `npm run pipeline -- init <repo> [--namespace-prefix <prefix>]`. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runInit } from './index.js';

export async function initMain(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'namespace-prefix': { type: 'string' } },
  });
  if (positionals.length !== 1)
    throw new Error('init expects one repository path: npm run pipeline -- init <path-to-repo>');
  const prefix = values['namespace-prefix'] ?? '';
  if (prefix !== '' && !/^[a-z0-9][a-z0-9-]{0,20}$/.test(prefix))
    throw new Error(`--namespace-prefix '${prefix}': expected lowercase letters, digits and -, at most 21 characters`);
  await runInit({
    repo: path.resolve(process.env['INIT_CWD'] ?? process.cwd(), positionals[0] as string),
    library: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..'),
    namespacePrefix: prefix,
    log: (line) => console.log(line),
  });
  return 0;
}
