import { describe, expect, it } from '@jest/globals';
import { checkObject, parseManifest } from '../src/manifests.js';

describe('parseManifest', () => {
  it('reads multi-document YAML with document numbers and lines, skipping empty documents', () => {
    const text =
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# only a comment\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n';
    const { objects, problems } = parseManifest(text, 'k8s/app.yaml');
    expect(problems).toEqual([]);
    expect(objects.map((o) => [o.object.kind, o.object.metadata.name, o.document, o.line])).toEqual([
      ['ConfigMap', 'a', 1, 2],
      ['Service', 'b', 3, 9],
    ]);
  });

  it('expands List objects and accepts JSON', () => {
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } },
      ],
    });
    const { objects } = parseManifest(list, 'list.json');
    expect(objects.map((o) => o.object.metadata.name)).toEqual(['x', 'y']);
  });

  it.each([
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: Service\nmetadata:\n  name: b\n',
      2,
      6,
      'apiVersion is missing',
    ],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n',
      2,
      10,
      'invalid YAML',
    ],
    ['- a\n- b\n', 1, 1, 'a document must be a mapping (an object), not a list'],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n',
      1,
      1,
      'ConfigMap/Bad_Name: metadata.name must be lowercase',
    ],
  ])('reports problems with their document and line (%#)', (text, document, line, message) => {
    const { problems } = parseManifest(text, 'f.yaml');
    expect(problems[0]).toMatchObject({ file: 'f.yaml', document, line });
    expect(problems[0]?.message).toContain(message);
  });
});

describe('parseManifest: an alias bomb (issue 13)', () => {
  it('is a problem naming the file and document, not a bare ReferenceError', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(
        `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
      );
    }
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    const started = performance.now();
    const { objects, problems } = parseManifest(text, 'k8s/bomb.yaml');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(objects).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'k8s/bomb.yaml',
        document: 1,
        message: expect.stringMatching(/^cannot be expanded: .*at most 100 aliases/) as unknown,
      }),
    ]);
  });
});

describe('checkObject', () => {
  it.each([
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok' } }, undefined],
    [{ apiVersion: 'v1', kind: 'ConfigMap' }, 'ConfigMap: metadata is missing'],
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, 'ConfigMap: metadata.name is missing'],
    [
      { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'p-' } },
      'Pod: metadata.generateName cannot be used with apply; give metadata.name',
    ],
    [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { tier: 3 } } },
      'Pod/p: metadata.labels.tier must be a string (quote it: "3")',
    ],
    [{ kind: 'Pod', metadata: { name: 'p' } }, 'apiVersion is missing'],
    ['text', 'a document must be a mapping (an object), not string'],
  ])('%j', (value, message) => {
    const result = checkObject(value);
    if (message === undefined) expect(typeof result).toBe('object');
    else expect(result).toBe(message);
  });
});
