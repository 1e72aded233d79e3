import { describe, expect, it } from '@jest/globals';
import { atOrAbove, canonicalId, normaliseSeverity, primaryAndAliases } from '../src/model.js';
import type { Severity } from '../src/model.js';

describe('normaliseSeverity maps every scanner vocabulary onto low|moderate|high|critical', () => {
  it.each([
    ['critical', 'critical'],
    ['CRITICAL', 'critical'],
    ['high', 'high'],
    ['HIGH', 'high'],
    ['moderate', 'moderate'],
    ['medium', 'moderate'],
    ['MEDIUM', 'moderate'],
    ['low', 'low'],
    ['LOW', 'low'],
    ['info', 'low'],
    ['UNKNOWN', 'low'],
    ['', 'low'],
    [undefined, 'low'],
  ] as [string | undefined, Severity][])('%p -> %p', (raw, expected) => {
    expect(normaliseSeverity(raw)).toBe(expected);
  });
});

describe('atOrAbove', () => {
  it.each([
    ['critical', 'high', true],
    ['high', 'high', true],
    ['moderate', 'high', false],
    ['low', 'low', true],
    ['low', 'moderate', false],
    ['critical', 'critical', true],
    ['high', 'critical', false],
  ] as [Severity, Severity, boolean][])('%s at or above %s: %s', (severity, threshold, expected) => {
    expect(atOrAbove(severity, threshold)).toBe(expected);
  });
});

describe('identifiers', () => {
  it.each([
    ['ghsa-35JH-r3h4-6jhm', 'GHSA-35jh-r3h4-6jhm'],
    ['cve-2021-23337', 'CVE-2021-23337'],
    [' SNYK-JS-LODASH-1040724 ', 'SNYK-JS-LODASH-1040724'],
  ])('canonicalId(%p) = %p', (raw, expected) => {
    expect(canonicalId(raw)).toBe(expected);
  });

  it.each([
    [['CVE-2021-23337', 'GHSA-35jh-r3h4-6jhm'], 'GHSA-35jh-r3h4-6jhm', ['CVE-2021-23337']],
    [['SNYK-JS-LODASH-1040724', 'CVE-2021-23337'], 'CVE-2021-23337', ['SNYK-JS-LODASH-1040724']],
    [['DS002', 'AVD-DS-0002'], 'DS002', ['AVD-DS-0002']],
    [[undefined, '', 'npm:1106913', 'npm:1106913'], 'npm:1106913', []],
    [[], 'unknown', []],
  ] as [(string | undefined)[], string, string[]][])('primaryAndAliases(%j)', (ids, id, aliases) => {
    expect(primaryAndAliases(ids)).toEqual({ id, aliases });
  });
});
