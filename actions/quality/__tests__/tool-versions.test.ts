/**
 * Which command-line options the repository's own Prettier and ESLint have,
 * by version (Prettier 1 and ESLint 6 refuse or ignore options later
 * versions take), and the command lines built from that.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { eslintArgs } from '../src/checks/eslint.js';
import { prettier1Targets } from '../src/checks/prettier.js';
import { atLeast, eslintFeatures, packageVersion, parseVersion, prettierFeatures } from '../src/tool-versions.js';

describe('parseVersion and atLeast', () => {
  it.each([
    ['1.18.2', [1, 18, 2]],
    ['v8.57.0', [8, 57, 0]],
    ['9.0.0-rc.1', [9, 0, 0]],
    ['', undefined],
    ['latest', undefined],
    [undefined, undefined],
  ])('parseVersion(%j)', (version, expected) => {
    expect(parseVersion(version)).toEqual(expected);
  });

  it.each([
    ['1.18.2', '2.0.0', false],
    ['2.0.0', '2.0.0', true],
    ['2.6.9', '2.7.0', false],
    ['2.10.0', '2.7.0', true],
    ['6.0.1', '6.8.0', false],
    ['7.21.0', '7.21.0', true],
    ['10.0.0', '9.0.0', true],
    [undefined, '2.0.0', true],
    ['garbage', '2.0.0', true],
  ])('atLeast(%j, %j) = %s', (version, min, expected) => {
    expect(atLeast(version, min)).toBe(expected);
  });
});

describe('prettierFeatures', () => {
  it.each([
    ['1.18.2', { unmatchedPatternOption: false, expandsDirectories: false, ignoreUnknown: false, cache: false }],
    ['2.0.5', { unmatchedPatternOption: true, expandsDirectories: true, ignoreUnknown: false, cache: false }],
    ['2.3.0', { unmatchedPatternOption: true, expandsDirectories: true, ignoreUnknown: true, cache: false }],
    ['3.4.2', { unmatchedPatternOption: true, expandsDirectories: true, ignoreUnknown: true, cache: true }],
    [undefined, { unmatchedPatternOption: true, expandsDirectories: true, ignoreUnknown: true, cache: true }],
  ])('%s', (version, expected) => {
    expect(prettierFeatures(version)).toEqual(expected);
  });

  it('Prettier 1 gets a glob of the languages it formats, without the pipeline checkout', () => {
    expect(prettier1Targets(false)).toEqual([expect.stringMatching(/^\*\*\/\*\.\{js,jsx,.*ts,tsx,.*yml.*\}$/)]);
    expect(prettier1Targets(true)[1]).toBe('!.pipeline-actions/**');
  });
});

describe('eslintFeatures and eslintArgs', () => {
  it.each([
    ['6.0.1', { unmatchedPatternOption: false, cacheStrategy: false, warnIgnoredOption: false, needsExtensions: true }],
    ['6.8.0', { unmatchedPatternOption: true, cacheStrategy: false, warnIgnoredOption: false, needsExtensions: true }],
    ['8.57.0', { unmatchedPatternOption: true, cacheStrategy: true, warnIgnoredOption: true, needsExtensions: true }],
    ['9.20.0', { unmatchedPatternOption: true, cacheStrategy: true, warnIgnoredOption: true, needsExtensions: false }],
  ])('%s', (version, expected) => {
    expect(eslintFeatures(version)).toEqual(expected);
  });

  it.each([
    [
      'ESLint 6, whole project, cache',
      '6.0.1',
      '/c',
      undefined,
      '--format json --output-file /o.json --ignore-pattern .pipeline-actions/** --cache --cache-location /c/eslint/ --ext .js,.jsx,.mjs,.cjs,.ts,.tsx,.mts,.cts .',
    ],
    [
      'ESLint 9, whole project, cache',
      '9.20.0',
      '/c',
      undefined,
      '--format json --output-file /o.json --no-error-on-unmatched-pattern --ignore-pattern .pipeline-actions/** --cache --cache-strategy content --cache-location /c/eslint/ .',
    ],
    [
      'ESLint 9, changed files',
      '9.20.0',
      undefined,
      ['src/a.ts'],
      '--format json --output-file /o.json --no-error-on-unmatched-pattern --ignore-pattern .pipeline-actions/** --no-warn-ignored -- src/a.ts',
    ],
    [
      'ESLint 7.0, changed files: no --no-warn-ignored',
      '7.0.0',
      undefined,
      ['src/a.ts'],
      '--format json --output-file /o.json --no-error-on-unmatched-pattern --ignore-pattern .pipeline-actions/** -- src/a.ts',
    ],
  ] as [string, string, string | undefined, string[] | undefined, string][])(
    '%s',
    (_what, version, cacheDir, files, expected) => {
      expect(eslintArgs(version, '/o.json', cacheDir, files).join(' ')).toBe(expected);
    },
  );
});

describe('packageVersion', () => {
  it('reads the version of the package a bin link points into, and undefined when there is none', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'quality-versions-'));
    try {
      const pkg = path.join(dir, 'node_modules/prettier');
      await mkdir(path.join(pkg, 'bin'), { recursive: true });
      await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'prettier', version: '1.18.2' }));
      await writeFile(path.join(pkg, 'bin/prettier.js'), '#!/usr/bin/env node\n');
      await mkdir(path.join(dir, 'node_modules/.bin'));
      const bin = path.join(dir, 'node_modules/.bin/prettier');
      await symlink('../prettier/bin/prettier.js', bin);
      expect(packageVersion(bin, 'prettier')).toBe('1.18.2');
      // Another package's manifest on the way up is not the tool's.
      expect(packageVersion(bin, 'eslint')).toBeUndefined();
      expect(packageVersion(path.join(dir, 'missing'), 'prettier')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
