/**
 * Errors that carry a message written for the person reading the workflow log.
 * Anything else that is thrown is still reported, with its class name, so that
 * nothing surfaces as "[object Object]" or an empty failure.
 */
import { redact } from './redaction.js';

export class ActionError extends Error {
  override readonly name: string = 'ActionError';
}

/** A bad input value: the message names the input, the value and what is accepted. */
export class InputError extends ActionError {
  override readonly name = 'InputError';
  readonly input: string;
  readonly value: string;
  readonly accepted: string;

  constructor(input: string, value: string, accepted: string) {
    super(`Input '${input}' has an invalid value ${quoteValue(value)}: expected ${accepted}.`);
    this.input = input;
    this.value = value;
    this.accepted = accepted;
  }
}

/** The most of a bad value an error quotes: enough to recognise it, never a 130 KB input echoed whole. */
export const QUOTE_MAX_CHARS = 120;

/**
 * A bad value as an error quotes it: redacted first (so that cutting it
 * cannot leave a secret's first half unmasked), then cut to QUOTE_MAX_CHARS,
 * then in JSON quotes with the line separators and C1 controls JSON leaves
 * alone escaped too.
 */
export function quoteValue(value: string): string {
  const redacted = redact(value);
  const shown = redacted.length > QUOTE_MAX_CHARS ? `${redacted.slice(0, QUOTE_MAX_CHARS - 3)}...` : redacted;
  return JSON.stringify(shown).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Turns any thrown value into one readable line (plus causes), never an empty string. */
export function describeError(error: unknown): string {
  if (error instanceof ActionError) return withCause(error.message, error.cause);
  if (error instanceof Error) {
    const prefix = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return withCause(`${prefix}${error.message || '(no message)'}`, error.cause);
  }
  if (typeof error === 'string') return error || '(empty error)';
  try {
    return `Unexpected non-error value thrown: ${JSON.stringify(error)}`;
  } catch {
    return `Unexpected non-error value thrown: ${String(error)}`;
  }
}

function withCause(message: string, cause: unknown): string {
  if (cause === undefined || cause === null) return message;
  return `${message} (caused by: ${describeError(cause)})`;
}
