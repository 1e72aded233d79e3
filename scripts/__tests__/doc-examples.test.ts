/**
 * Every YAML example in README.md and docs/ passes what the pipeline's
 * quality stage checks in an adopter's repository: it parses, and Prettier
 * (with its defaults, as in a repository without a Prettier configuration)
 * leaves it as it is. A caller example names only inputs and secrets the
 * reusable workflow declares.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { parse, parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const files = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Example {
  file: string;
  line: number;
  text: string;
}

function examples(file: string): Example[] {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i] ?? '')) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
    found.push({ file, line: start + 1, text: `${lines.slice(start, end).join('\n')}\n` });
    i = end;
  }
  return found;
}

const all = files.flatMap(examples);
const workflow = parse(readFileSync(path.join(root, '.github/workflows/pipeline.yml'), 'utf8')) as {
  on: { workflow_call: { inputs: Record<string, unknown>; secrets: Record<string, unknown> } };
};
const declared = workflow.on.workflow_call;

describe('YAML examples in README.md and docs/', () => {
  it('finds the examples', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
  });

  it.each(all.map((e) => [`${e.file}:${e.line}`, e] as const))(
    '%s parses and is Prettier-clean',
    async (_, example) => {
      const docs = parseAllDocuments(example.text);
      for (const doc of Array.isArray(docs) ? docs : [docs]) expect(doc.errors.map((e) => e.message)).toEqual([]);
      expect(await format(example.text, { parser: 'yaml' })).toBe(example.text);
    },
  );

  const callers = all.filter((e) => /uses: \S+\/\.github\/workflows\/pipeline\.yml@/.test(e.text));
  it.each(callers.map((e) => [`${e.file}:${e.line}`, e] as const))(
    '%s names only declared inputs and secrets',
    (_, example) => {
      const jobs =
        (parse(example.text) as { jobs?: Record<string, { with?: object; secrets?: object | string }> }).jobs ?? {};
      for (const job of Object.values(jobs)) {
        for (const name of Object.keys(job.with ?? {})) expect(Object.keys(declared.inputs)).toContain(name);
        if (typeof job.secrets === 'object')
          for (const name of Object.keys(job.secrets)) expect(Object.keys(declared.secrets)).toContain(name);
      }
    },
  );
});
