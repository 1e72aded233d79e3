/** Shared test helpers: fixture paths and a finding builder. */
import { readFileSync } from 'node:fs';
import Ajv4 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../../src/model.js';

export const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const actionDir = path.resolve(here, '..');
export const fixtures = path.join(here, 'fixtures');

export function fixture(...parts: string[]): string {
  return readFileSync(path.join(fixtures, ...parts), 'utf8');
}

export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    scanners: ['npm-audit'],
    kind: 'vulnerability',
    id: 'GHSA-35jh-r3h4-6jhm',
    aliases: [],
    package: 'lodash',
    installedVersion: '4.17.15',
    fixedVersions: ['4.17.21'],
    severity: 'high',
    scannerSeverity: { 'npm-audit': 'high' },
    title: 'Command Injection in lodash',
    cwe: [],
    location: { path: 'package-lock.json', startLine: 14, endLine: 14 },
    ...overrides,
  };
}

/**
 * A validator for the official OASIS SARIF 2.1.0 schema (fixtures/sarif-schema-2.1.0.json:
 * sarif-2.1/schema/sarif-schema-2.1.0.json of the oasis-tcs/sarif-spec repository, JSON Schema
 * draft-04, id https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json).
 * Returns the list of problems (empty when valid).
 */
export function sarifValidator(): (log: unknown) => string[] {
  const ajv = new Ajv4({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fixture('sarif-schema-2.1.0.json')) as object);
  return (log) => (validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}
