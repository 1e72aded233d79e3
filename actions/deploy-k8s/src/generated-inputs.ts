/**
 * The inputs for manifests generated when a service has none
 * (generate-manifests: when-missing). Pure: parseGenerateInputs reads them
 * through the action's one reader.
 */
import { InputError, parseBoolean, parseEnum, parseInteger, type ReadInput } from '@pipeline/action-kit';
import type { GenerateOptions } from './generated-manifests.js';

export const GENERATE_POLICIES = ['never', 'when-missing'] as const;
export type GeneratePolicy = (typeof GENERATE_POLICIES)[number];
export const PROFILES = ['staging', 'production'] as const;

/** What the inputs give the generator (generated-manifests.ts); the name and image come from the deploy. */
export interface GenerateInputs extends Omit<GenerateOptions, 'name' | 'image'> {
  policy: GeneratePolicy;
  /** Deployment and Service name; default the image name's last segment. */
  appName: string | undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;

function quantity(read: ReadInput, name: string, fallback: string | undefined): string | undefined {
  const value = read(name).trim();
  if (value === '') return fallback;
  if (!QUANTITY.test(value)) throw new InputError(name, value, 'a Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi');
  return value;
}

function httpPath(read: ReadInput, name: string): string | undefined {
  const value = read(name).trim();
  if (value === '') return undefined;
  if (!HTTP_PATH.test(value) || value.length > 1024)
    throw new InputError(name, value, 'an HTTP path starting with / (empty: a TCP probe on the port)');
  return value;
}

export function parseGenerateInputs(read: ReadInput): GenerateInputs {
  const policy = parseEnum('generate-manifests', read('generate-manifests'), GENERATE_POLICIES, 'never');
  const appName = read('app-name').trim();
  if (appName !== '' && (!DNS_LABEL.test(appName) || appName.length > 63))
    throw new InputError('app-name', appName, 'a DNS label: lowercase letters, digits and -, at most 63 characters');
  const production = parseEnum('generated-profile', read('generated-profile'), PROFILES, 'staging') === 'production';
  const runAsUser = read('run-as-user').trim();
  return Object.freeze({
    policy,
    appName: appName || undefined,
    port: parseInteger('port', read('port'), { min: 1, max: 65535 }, 3000),
    replicas: parseInteger('replicas', read('replicas'), { min: 1, max: 1000 }, production ? 2 : 1),
    readinessPath: httpPath(read, 'readiness-path'),
    livenessPath: httpPath(read, 'liveness-path'),
    cpuRequest: quantity(read, 'cpu-request', '100m') as string,
    memoryRequest: quantity(read, 'memory-request', '128Mi') as string,
    cpuLimit: quantity(read, 'cpu-limit', undefined),
    memoryLimit: quantity(read, 'memory-limit', '512Mi'),
    production,
    readOnlyRootFilesystem: parseBoolean('read-only-root-filesystem', read('read-only-root-filesystem'), true),
    runAsUser: runAsUser === '' ? undefined : parseInteger('run-as-user', runAsUser, { min: 1, max: 2147483647 }),
  });
}
