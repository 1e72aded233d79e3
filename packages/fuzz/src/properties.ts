/**
 * The properties every fuzz case must hold, each a function from what the
 * run left behind to the ways it was broken (empty when it held).
 */
import { CommandReader, splitLines, type WorkflowCommand } from '@pipeline/action-kit/protocol';
import type { ActionRun } from '@pipeline/action-kit/testing';
import { findLeaks, type Leak, type PlantedSecret } from './secrets.js';
import { MARKER } from './values.js';

export type PropertyName =
  | 'exit-code'
  | 'no-crash'
  | 'names-input'
  | 'no-secret-leak'
  | 'no-injection'
  | 'bounded'
  | 'no-shell'
  | 'confined-writes';

export interface Violation {
  property: PropertyName;
  detail: string;
}

/** What the action may print as workflow commands of its own. */
export const ALLOWED_COMMANDS: ReadonlySet<string> = new Set([
  'error',
  'warning',
  'notice',
  'debug',
  'group',
  'endgroup',
  'add-mask',
  'stop-commands',
]);

export function exitCode(run: ActionRun, boundMs: number): Violation[] {
  if (run.signal === 'SIGKILL' && run.durationMs >= boundMs) return []; // reported by `bounded`
  if (run.signal !== null) return [{ property: 'exit-code', detail: `killed by ${run.signal}` }];
  if (run.exitCode === 0 || run.exitCode === 1) return [];
  return [{ property: 'exit-code', detail: `exit code ${String(run.exitCode)}` }];
}

const STACK_FRAME = /^\s+at (?:.+ \()?(?:file:\/\/|node:|\/|<anonymous>|native).*$/m;
const JS_ERROR =
  /^(?:TypeError|ReferenceError|URIError|RangeError|SyntaxError|EvalError|AggregateError|InternalError)\b/;
const JS_ERROR_TEXT =
  /Cannot read propert(?:y|ies) of|is not a function|is not iterable|is not defined|Maximum call stack/;

/** The message without its parenthesised parts: an internal error may be quoted as a cause, not be the message. */
function withoutCauses(text: string): string {
  let out = text;
  for (let previous = ''; previous !== out;) {
    previous = out;
    out = out.replace(/\([^()]*\)/g, '');
  }
  return out;
}

export function noCrash(run: ActionRun): Violation[] {
  const violations: Violation[] = [];
  for (const [name, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr],
  ] as const) {
    const frame = STACK_FRAME.exec(text);
    if (frame) violations.push({ property: 'no-crash', detail: `stack frame on ${name}: ${frame[0].trim()}` });
  }
  const failure = run.failure ?? '';
  if (JS_ERROR.test(failure) || JS_ERROR_TEXT.test(withoutCauses(failure)))
    violations.push({ property: 'no-crash', detail: `internal error as the message: ${excerpt(failure)}` });
  return violations;
}

/** Paths of a case's scratch directory and numbers vary from run to run; the rest of a message does not. */
export function normaliseFailure(text: string | undefined, scratch: readonly string[]): string {
  let out = text ?? '';
  for (const dir of scratch) out = out.split(dir).join('<scratch>');
  return out.replace(/\d+(?:\.\d+)?/g, '0');
}

/**
 * A failure that differs from the baseline's (the same run without the bad
 * value) was caused by the fuzzed input, so it must say which input, or, when
 * the value points at one of the suite's servers, which server answered
 * (then the failure is about that server's answer, not a rejection).
 */
export function namesInput(
  run: ActionRun,
  input: string,
  baselineFailure: string,
  normalise: (s?: string) => string,
  value = '',
): Violation[] {
  if (run.exitCode !== 1) return [];
  if (normalise(run.failure) === baselineFailure) return [];
  if (run.failure === undefined) return [{ property: 'names-input', detail: 'failed without an error message' }];
  if (run.failure.includes(input)) return [];
  const servers = value.match(/127\.0\.0\.1:\d+/g) ?? [];
  if (servers.some((server) => run.failure?.includes(server))) return [];
  return [{ property: 'names-input', detail: `the failure does not name '${input}': ${excerpt(run.failure)}` }];
}

export interface WrittenFile {
  path: string;
  text: string;
}

/** Every channel a person or a later step can read: the log as the runner shows it, the summary, outputs, files. */
export function noSecretLeak(
  run: ActionRun,
  files: readonly WrittenFile[],
  secrets: readonly PlantedSecret[],
): Violation[] {
  const leaks: Leak[] = [
    ...findLeaks('log', run.log.join('\n'), secrets),
    ...findLeaks('summary', run.summary, secrets),
    ...Object.entries(run.outputs).flatMap(([name, value]) => findLeaks(`output ${name}`, value, secrets)),
    ...files.flatMap((file) => findLeaks(`file ${file.path}`, file.text, secrets)),
  ];
  return leaks.map((leak) => ({
    property: 'no-secret-leak',
    detail: `${leak.secret} (${leak.encoding}) in ${leak.channel}: ...${leak.context}...`,
  }));
}

const carriesMarker = (command: WorkflowCommand): boolean =>
  command.message.trimStart().startsWith(MARKER) ||
  Object.values(command.properties).some((value) => value.startsWith(MARKER));

/** Each stream as the runner reads it: a command the action did not mean to write is an injection. */
export function noInjection(run: ActionRun): Violation[] {
  const violations: Violation[] = [];
  for (const [name, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr],
  ] as const) {
    const reader = new CommandReader();
    for (const line of splitLines(text)) {
      const event = reader.read(line);
      const bad =
        (event.kind === 'command' && (!ALLOWED_COMMANDS.has(event.command.command) || carriesMarker(event.command))) ||
        ((event.kind === 'stop' || event.kind === 'invalid-stop') && event.token.startsWith(MARKER)) ||
        event.kind === 'invalid-stop';
      if (bad)
        violations.push({ property: 'no-injection', detail: `${name} line is a workflow command: ${excerpt(line)}` });
    }
  }
  return violations;
}

export function bounded(run: ActionRun, boundMs: number): Violation[] {
  if (run.durationMs <= boundMs && run.signal !== 'SIGKILL') return [];
  const how = run.signal === 'SIGKILL' ? 'killed' : 'finished';
  return [{ property: 'bounded', detail: `${how} after ${Math.round(run.durationMs)} ms (bound ${boundMs} ms)` }];
}

export function excerpt(text: string, max = 240): string {
  const shown = JSON.stringify(text);
  return shown.length > max ? `${shown.slice(0, max - 3)}...` : shown;
}
