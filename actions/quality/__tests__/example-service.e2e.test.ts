/**
 * The example service passes the line-length gate its caller sets
 * (.github/workflows/example-service.yml: max-line-length 120), run through
 * the bundle as the pipeline's quality job runs it. Its own `npm test` runs
 * prettier, eslint and tsc, but nothing else checks line length, and a long
 * comment line (which Prettier does not wrap) failed the pipeline twice.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { runAction } from '@pipeline/action-kit/testing';
import { actionDir } from './helpers/fixture.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

it("example-service passes the quality job's line-length check with its caller's limit", async () => {
  const caller = parse(readFileSync(path.join(root, '.github/workflows/example-service.yml'), 'utf8')) as {
    jobs: Record<string, { with?: Record<string, unknown> }>;
  };
  const withs = Object.values(caller.jobs).map((job) => job.with ?? {});
  const limit = withs.map((w) => w['max-line-length']).find((v) => v !== undefined);
  expect(limit).toBe(120);
  const result = await runAction(actionDir, {
    workspace: root,
    inputs: {
      'working-directory': 'example-service',
      checks: 'line-length',
      'max-line-length': '120',
      cache: 'false',
    },
    timeoutMs: 120_000,
  });
  expect(result.annotations).toEqual([]);
  expect(result.outputs).toMatchObject({ passed: 'true', errors: '0' });
  expect(result.exitCode).toBe(0);
});
