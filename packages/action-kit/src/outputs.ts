/**
 * The channels besides the log, each through the one redaction
 * (redaction.ts): step outputs and the files an action writes (reports,
 * SARIF, backups). Use these instead of core.setOutput and fs.writeFile.
 */
import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redact, redactJson } from './redaction.js';

/** core.setOutput with every registered secret redacted. */
export function setOutput(name: string, value: string | number | boolean): void {
  core.setOutput(name, redact(String(value)));
}

export interface WriteOptions {
  /** File mode for a new file (0o600 for backups). */
  mode?: number;
}

/** Writes a text file, redacted; its directory is created. */
export async function writeTextFile(file: string, text: string, options: WriteOptions = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, redact(text), options.mode === undefined ? {} : { mode: options.mode });
}

/** Writes a JSON file (two-space indent, final newline) with every string in it redacted, so it stays valid JSON. */
export async function writeJsonFile(file: string, value: unknown, options: WriteOptions = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const text = `${JSON.stringify(redactJson(value), null, 2)}\n`;
  await writeFile(file, text, options.mode === undefined ? {} : { mode: options.mode });
}
