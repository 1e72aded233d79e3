import { describe, expect, it } from '@jest/globals';
import { ANNOTATION_CAP, writeAnnotations } from '../src/index.js';
import type { AnnotationItem, AnnotationLevel } from '../src/index.js';

const items = (level: AnnotationLevel, n: number): AnnotationItem[] =>
  Array.from({ length: n }, (_, i) => ({
    level,
    message: `${level} ${i + 1}`,
    properties: { file: 'a.ts', startLine: i + 1 },
  }));

function write(list: AnnotationItem[], cap?: number): { calls: [AnnotationLevel, string][]; left: number } {
  const calls: [AnnotationLevel, string][] = [];
  const left = writeAnnotations(list, {
    seeAlso: 'the job summary',
    ...(cap === undefined ? {} : { cap }),
    sink: (level, message) => void calls.push([level, message]),
  });
  return { calls, left };
}

describe('writeAnnotations', () => {
  it('caps at what GitHub shows per step', () => {
    expect(ANNOTATION_CAP).toBe(10);
  });

  it.each([
    ['nothing', [], 0, 0, 0],
    ['under the cap', items('error', 3), 3, 0, 0],
    ['exactly the cap', items('error', 10), 10, 0, 0],
    ['over the cap', items('error', 25), 10, 0, 15],
    ['the cap is per level', [...items('error', 12), ...items('warning', 12)], 10, 10, 4],
  ] as [string, AnnotationItem[], number, number, number][])('%s', (_what, list, errors, warnings, left) => {
    const result = write(list);
    expect(result.left).toBe(left);
    expect(result.calls.filter(([l]) => l === 'error')).toHaveLength(errors);
    expect(result.calls.filter(([l]) => l === 'warning')).toHaveLength(warnings);
    const notices = result.calls.filter(([l]) => l === 'notice').map(([, m]) => m);
    expect(notices).toEqual(
      left === 0
        ? []
        : [
            `${left} more annotation${left === 1 ? '' : 's'} not shown (GitHub shows 10 of each level per step); see the job summary.`,
          ],
    );
  });

  it('keeps the order of the items and their properties', () => {
    const seen: unknown[] = [];
    writeAnnotations([...items('warning', 1), ...items('error', 2)], {
      seeAlso: 'x',
      sink: (level, message, properties) => void seen.push([level, message, properties]),
    });
    expect(seen).toEqual([
      ['warning', 'warning 1', { file: 'a.ts', startLine: 1 }],
      ['error', 'error 1', { file: 'a.ts', startLine: 1 }],
      ['error', 'error 2', { file: 'a.ts', startLine: 2 }],
    ]);
  });

  it('takes a smaller cap', () => {
    expect(write(items('error', 3), 1)).toEqual({
      calls: [
        ['error', 'error 1'],
        ['notice', '2 more annotations not shown (GitHub shows 1 of each level per step); see the job summary.'],
      ],
      left: 2,
    });
  });
});
