/**
 * Every input of the containerize action, read once, validated and frozen.
 * parseInputs is pure (tested with tables); getInputs is the only reader.
 */
import path from 'node:path';
import * as core from '@actions/core';
import {
  InputError,
  parseDuration,
  parseInteger,
  parsePath,
  runContext,
  type ReadInput,
  type RunEnv,
} from '@pipeline/action-kit';

export interface Inputs {
  /** Absolute: working-directory resolved against the workspace (the build context). */
  workingDirectory: string;
  /** The Dockerfile the caller named (absolute), or undefined: `Dockerfile` when it exists, else the built-in one. */
  dockerfile: string | undefined;
  /** Overrides the detected start command (run by /bin/sh -c in the image). */
  startCommand: string | undefined;
  /** Overrides the detected container port. */
  port: number | undefined;
  /** Node.js major (or tag prefix) of the built-in Dockerfile's base image. */
  nodeVersion: string;
  /** Where the built-in Dockerfile is written (RUNNER_TEMP/containerize). */
  outputDirectory: string;
  /** The built image to start and watch (probe mode), or undefined: choose the Dockerfile. */
  probeImage: string | undefined;
  /** How long the started image gets to listen (milliseconds). */
  probeTimeoutMs: number;
}

/** A reference as docker takes it (registry/path:tag@digest): no spaces, no leading "-" (it would be read as a flag). */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/:@+-]*$/i;
export const DEFAULT_PROBE_TIMEOUT_MS = 20_000;

const NODE_VERSION = /^[0-9]{1,3}(\.[0-9]{1,3}){0,2}$/;

export const getInputs = (): Inputs => parseInputs(core.getInput, process.env);

export function parseInputs(read: ReadInput, env: RunEnv): Inputs {
  const { workspace, runnerTemp } = runContext(env);
  const workingDirectory = parsePath('working-directory', read('working-directory') || '.', {
    workspace,
    what: 'the service directory',
  });
  const named = read('dockerfile').trim();
  const start = read('start-command').trim();
  if (/[\r\n]/.test(start)) throw new InputError('start-command', start, 'one command line (no line breaks)');
  const nodeVersion = read('node-version').trim() || '24';
  if (!NODE_VERSION.test(nodeVersion))
    throw new InputError('node-version', nodeVersion, 'a Node.js version such as 24 or 24.11 (the base image tag)');
  const port = read('port').trim();
  const probeImage = read('probe-image').trim();
  if (probeImage !== '' && (probeImage.length > 512 || !IMAGE_REF.test(probeImage)))
    throw new InputError(
      'probe-image',
      probeImage,
      'one image reference such as ghcr.io/org/app@sha256:... (no spaces, not starting with "-"), or empty to choose the Dockerfile',
    );
  return Object.freeze({
    workingDirectory,
    dockerfile:
      named === ''
        ? undefined
        : parsePath('dockerfile', path.resolve(workingDirectory, named), { workspace, what: 'a Dockerfile' }),
    startCommand: start === '' ? undefined : start,
    port: port === '' ? undefined : parseInteger('port', port, { min: 1, max: 65535 }),
    nodeVersion,
    outputDirectory: path.join(runnerTemp, 'containerize'),
    probeImage: probeImage === '' ? undefined : probeImage,
    probeTimeoutMs: parseDuration(
      'probe-timeout',
      read('probe-timeout'),
      { minMs: 1000, maxMs: 10 * 60_000 },
      DEFAULT_PROBE_TIMEOUT_MS,
    ),
  });
}
