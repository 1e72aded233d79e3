import { describe, expect, it } from '@jest/globals';
import { applyAllowlist, isIsoDate, parseAllowlist, validateAllowlist } from '../src/allowlist.js';
import type { AllowlistEntry } from '../src/allowlist.js';
import { finding } from './helpers/findings.js';

describe('allow-list file', () => {
  it('reads a YAML list (and the allowlist: form)', async () => {
    const text = `
- id: GHSA-29mw-wpgm-hmr9
  package: lodash
  reason: trim() never sees user input
  expires: 2026-12-31
- id: DS002
  reason: the base image drops root itself
  expires: "2027-01-15"
`;
    const expected: AllowlistEntry[] = [
      { id: 'GHSA-29mw-wpgm-hmr9', package: 'lodash', reason: 'trim() never sees user input', expires: '2026-12-31' },
      { id: 'DS002', reason: 'the base image drops root itself', expires: '2027-01-15' },
    ];
    await expect(parseAllowlist(text, 'allow.yml')).resolves.toEqual(expected);
    await expect(parseAllowlist(`allowlist:\n${text.replace(/^/gm, '  ')}`, 'allow.yml')).resolves.toEqual(expected);
    await expect(parseAllowlist('', 'allow.yml')).resolves.toEqual([]);
  });

  it.each([
    ['2026-13-01', /malformed expiry date "2026-13-01": write it as YYYY-MM-DD/],
    ['2026-02-30', /malformed expiry date "2026-02-30"/],
    ['31/12/2026', /malformed expiry date "31\/12\/2026"/],
    ['2026-1-5', /malformed expiry date/],
    ['20261231', /malformed expiry date "20261231"/],
    ['2026-12-31T00:00:00Z', /malformed expiry date/],
    ['soon', /malformed expiry date "soon"/],
  ])('rejects expires: %s with a clear error', async (date, message) => {
    await expect(
      parseAllowlist(`- id: CVE-2021-23337\n  reason: r\n  expires: ${date}\n`, 'allow.yml'),
    ).rejects.toThrow(message);
  });

  it.each([
    [[{ reason: 'r', expires: '2026-01-01' }], /entry 1 needs an id/],
    [[{ id: 'X', expires: '2026-01-01' }], /entry 1 \(X\) needs a reason/],
    [[{ id: 'X', reason: 'r' }], /entry 1 \(X\) needs an expiry date: expires: YYYY-MM-DD/],
    [[{ id: 'X', reason: 'r', expires: '2026-01-01', until: 'x' }], /unknown field 'until'/],
    [[{ id: 'X', reason: 'r', expires: '2026-01-01', package: 3 }], /package that is not a name/],
    [['X'], /entry 1 is not a mapping/],
    [{ entries: [] }, /expected a list of entries/],
    ['just text', /expected a list of entries/],
  ])('rejects %j', (document, message) => {
    expect(() => validateAllowlist(document, 'allow.yml')).toThrow(message);
  });

  it('names the file when the YAML itself is broken', async () => {
    await expect(parseAllowlist('- id: [unclosed', '.github/security-allowlist.yml')).rejects.toThrow(
      /Allow-list .github\/security-allowlist.yml is not valid YAML/,
    );
  });

  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2026-00-10', false],
    ['2026-12-31', true],
  ])('isIsoDate(%s) = %s', (text, expected) => {
    expect(isIsoDate(text)).toBe(expected);
  });
});

describe('applying the allow-list', () => {
  const cmd = finding({ aliases: ['CVE-2021-23337', 'npm:1106913'] });
  const redos = finding({ id: 'GHSA-29mw-wpgm-hmr9', severity: 'moderate', aliases: ['CVE-2020-28500'] });
  const entry = (overrides: Partial<AllowlistEntry>): AllowlistEntry => ({
    id: 'CVE-2021-23337',
    reason: 'accepted',
    expires: '2026-11-27',
    ...overrides,
  });

  it.each([
    ['an alias matches (CVE for a GHSA finding)', entry({}), 1],
    ['the npm advisory number matches', entry({ id: 'npm:1106913' }), 1],
    ['ids match case-insensitively', entry({ id: 'ghsa-35JH-r3h4-6jhm' }), 1],
    ['the package must match when given', entry({ package: 'lodash-es' }), 0],
    ['the package matches', entry({ package: 'lodash' }), 1],
    ['the last day still applies', entry({ expires: '2026-11-27' }), 1],
    ['the day after it is expired', entry({ expires: '2026-11-26' }), 0],
  ])('%s', (_name, allow, allowed) => {
    const result = applyAllowlist([cmd, redos], [allow], '2026-11-27');
    expect(result.allowed).toHaveLength(allowed);
    expect(result.active).toHaveLength(2 - allowed);
  });

  it('reports expired entries with the findings they covered, and unused ones', () => {
    const result = applyAllowlist(
      [cmd, redos],
      [entry({ expires: '2025-01-01' }), entry({ id: 'CVE-1999-0001', expires: '2030-01-01' })],
      '2026-11-27',
    );
    expect(result.active).toHaveLength(2);
    expect(result.expired).toEqual([{ entry: entry({ expires: '2025-01-01' }), matched: 1 }]);
    expect(result.unused.map((e) => e.id)).toEqual(['CVE-1999-0001']);
  });
});
