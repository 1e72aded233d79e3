/** The small range matcher agrees with the semver package on advisory-style ranges. */
import { describe, expect, it } from '@jest/globals';
import semver from 'semver';
import { inRange } from '../src/version-range.js';
import { recordedAdvisories } from './helpers/advisory-server.js';

const ranges = [
  '<4.17.21',
  '>=3.7.0 <4.17.19',
  '>=4.0.0 <=4.17.22',
  '<=4.17.23',
  '<1.2.6 || >=2.0.0 <2.0.3',
  '>=1.0.0 <1.2.6',
  '=1.2.3',
  '1.2.3',
  '>2.0.0',
  '< 1.0.0',
  '>=2.0.0-beta.1 <2.0.0',
  '*',
  ...Object.values(recordedAdvisories()).flatMap((list) => list.map((a) => a.vulnerable_versions)),
];
const versions = [
  '0.0.1',
  '1.0.0',
  '1.2.3',
  '1.2.5',
  '1.2.6',
  '2.0.0-alpha.1',
  '2.0.0-beta.2',
  '2.0.0',
  '2.0.2',
  '3.6.9',
  '3.7.0',
  '4.0.0',
  '4.17.15',
  '4.17.19',
  '4.17.20',
  '4.17.21',
  '4.17.22',
  '4.17.23',
  '4.18.1',
  '10.0.0',
];

describe('inRange', () => {
  it.each([...new Set(ranges)])('%s: the same answer as semver for every version', (range) => {
    const ours = versions.map((version) => [version, inRange(version, range)]);
    const theirs = versions.map((version) => [version, semver.satisfies(version, range, { includePrerelease: true })]);
    expect(ours).toEqual(theirs);
  });

  it.each([
    ['4.17.15', '^4.0.0'],
    ['4.17.15', '4.x'],
    ['not-a-version', '<1.0.0'],
  ])('answers unknown for %s in %s (the caller then counts it as affected)', (version, range) => {
    expect(inRange(version, range)).toBeUndefined();
  });
});
