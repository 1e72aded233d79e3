import type { ReadInput } from '../inputs.js';

/**
 * A `read` for `parseInputs(read, env)` tests: the raw values an action would
 * get (its action.yml defaults plus overrides). Reading a name that is not
 * there fails the test, so a parser cannot quietly read an undeclared input.
 */
export function inputReader(values: Readonly<Record<string, string>>): ReadInput {
  return (name) => {
    if (!Object.hasOwn(values, name)) throw new Error(`read an input action.yml does not declare: ${name}`);
    return values[name] as string;
  };
}

/** A `read` that records every name it is asked for, to prove a parser reads each input once. */
export function recordingReader(values: Readonly<Record<string, string>>): { read: ReadInput; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read: (name) => {
      reads.push(name);
      return values[name] ?? '';
    },
  };
}
