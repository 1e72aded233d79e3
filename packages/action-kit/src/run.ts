/**
 * The one entry point wrapper: every action's index.ts calls run(main).
 * Whatever main throws becomes a single setFailed with a readable message;
 * nothing is left as an unhandled rejection.
 */
import * as core from '@actions/core';
import { describeError } from './errors.js';
import { redact } from './redaction.js';

export interface RunDependencies {
  setFailed: (message: string) => void;
  debug: (message: string) => void;
}

const defaultDependencies: RunDependencies = {
  setFailed: (message) => core.setFailed(message),
  debug: (message) => core.debug(message),
};

export async function run(
  main: () => Promise<void>,
  dependencies: RunDependencies = defaultDependencies,
): Promise<void> {
  try {
    await main();
  } catch (error: unknown) {
    // The failure message is the one text every reader sees: it goes through the one redaction too.
    if (error instanceof Error && error.stack) dependencies.debug(redact(error.stack));
    dependencies.setFailed(redact(describeError(error)));
  }
}

/** Runs `body` inside a collapsible log group named after the phase. */
export async function phase<T>(name: string, body: () => Promise<T>): Promise<T> {
  return core.group(name, body);
}
