/**
 * Errors that carry a message written for the person reading the workflow log.
 * Anything else that is thrown is still reported, with its class name, so that
 * nothing surfaces as "[object Object]" or an empty failure.
 */
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
    super(`Input '${input}' has an invalid value ${quote(value)}: expected ${accepted}.`);
    this.input = input;
    this.value = value;
    this.accepted = accepted;
  }
}

function quote(value: string): string {
  const shown = value.length > 120 ? `${value.slice(0, 117)}...` : value;
  return JSON.stringify(shown);
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
