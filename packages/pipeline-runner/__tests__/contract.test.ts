import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkWorkflows, formatFinding } from '../src/contract.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function workflowFiles(base: string): Promise<{ base: string; file: string }[]> {
  const dir = path.join(base, '.github/workflows');
  return (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ base, file: `.github/workflows/${f}` }));
}

describe('workflow contract', () => {
  it('every with: key, required input and output reference in the workflows exists', async () => {
    const files = [...(await workflowFiles(root)), ...(await workflowFiles(path.join(root, 'fixtures/adopter-repo')))];
    expect(files.map((f) => f.file)).toEqual(expect.arrayContaining(['.github/workflows/pipeline.yml', '.github/workflows/example-service.yml']));
    const { findings, missing } = await checkWorkflows(root, files);
    const report = findings.map(formatFinding);
    if (missing.length > 0) report.unshift(`actions referenced but not present yet (no action.yml): ${missing.join(', ')}`);
    expect(report).toEqual([]);
  });

  it('reports unknown inputs, missing required inputs, bad output references and secrets: inherit', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'contract-'));
    await mkdir(path.join(dir, '.github/workflows'), { recursive: true });
    await writeFile(
      path.join(dir, '.github/workflows/bad.yml'),
      `on: push
jobs:
  one:
    runs-on: ubuntu-latest
    outputs:
      good: \${{ steps.q.outputs.passed }}
      bad: \${{ steps.q.outputs.no-such-output }}
      ghost: \${{ steps.ghost.outputs.x }}
    steps:
      - id: q
        uses: ./.pipeline-actions/actions/quality
        with:
          working-directory: .
          no-such-input: x
      - uses: ./actions/deploy-k8s
        with:
          namespace: default
      - uses: ./actions/not-an-action
      - id: script
        run: echo "made=1" >>"$GITHUB_OUTPUT"
      - run: echo "\${{ steps.script.outputs.made }} \${{ steps.script.outputs.never }}"
  two:
    needs: [one]
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.one.outputs.good }} \${{ needs.one.outputs.missing }} \${{ needs.zero.outputs.x }}"
  call:
    uses: ./.github/workflows/pipeline.yml
    with:
      service-directory: app
      not-an-input: x
    secrets: inherit
`,
    );
    const { findings, missing } = await checkWorkflows(root, [{ base: dir, file: '.github/workflows/bad.yml' }]);
    const messages = findings.map((f) => f.message);
    expect(missing).toEqual(['actions/not-an-action']);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('with.no-such-input is not an input of actions/quality'),
        expect.stringContaining("required input 'manifests' of actions/deploy-k8s is not given"),
        expect.stringContaining('actions/not-an-action/action.yml does not exist yet'),
        expect.stringContaining("steps.q.outputs.no-such-output: step 'q' has no output 'no-such-output'"),
        expect.stringContaining("steps.ghost.outputs.x: no step with id 'ghost'"),
        expect.stringContaining("steps.script.outputs.never: step 'script' has no output 'never'"),
        expect.stringContaining("needs.one.outputs.missing: job 'one' declares no output 'missing'"),
        expect.stringContaining("needs.zero.outputs.x: 'zero' is not in this job's needs"),
        expect.stringContaining('with.not-an-input is not an input of .github/workflows/pipeline.yml'),
        expect.stringContaining('secrets: inherit passes every secret'),
      ]),
    );
    expect(messages.some((m) => m.includes('steps.q.outputs.passed') || m.includes('steps.script.outputs.made') || m.includes('needs.one.outputs.good'))).toBe(false);
  });
});
