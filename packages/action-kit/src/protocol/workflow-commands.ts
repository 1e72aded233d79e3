/**
 * Workflow commands in a step's output, parsed as actions/runner does it
 * (ActionCommand.TryParseV2 / TryParse, ActionCommandManager.TryProcessCommand):
 * a line that starts, after leading blanks, with `::name k=v,k=v::message`,
 * or the older `##[name k=v;k=v]message` anywhere in the line. Only the
 * commands the runner registers are commands; names and property keys are
 * case-insensitive. `stop-commands` turns parsing off until its token.
 */
import { unescapeData, unescapeLegacy, unescapeProperty } from './escaping.js';

export interface WorkflowCommand {
  /** Lower-case command name. */
  command: string;
  properties: Record<string, string>;
  message: string;
}

/** The commands the runner acts on (ActionCommandManager's extensions). */
export const RUNNER_COMMANDS: ReadonlySet<string> = new Set([
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-path',
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo',
]);

/** Reads a property case-insensitively, as the runner's property dictionary does. */
export function property(command: WorkflowCommand, name: string): string | undefined {
  const key = Object.keys(command.properties).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : command.properties[key];
}

function parseProperties(text: string, separator: string, unescape: (s: string) => string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const pair of text.split(separator)) {
    const eq = pair.indexOf('=');
    // The runner drops pairs without a key or without a value.
    if (eq <= 0 || eq === pair.length - 1) continue;
    const key = pair.slice(0, eq);
    const existing = Object.keys(properties).find((k) => k.toLowerCase() === key.toLowerCase());
    properties[existing ?? key] = unescape(pair.slice(eq + 1));
  }
  return properties;
}

function splitInfo(info: string): { name: string; rest: string | undefined } {
  const space = info.indexOf(' ');
  return space < 0 ? { name: info, rest: undefined } : { name: info.slice(0, space), rest: info.slice(space + 1) };
}

function parseV2(line: string, registered: ReadonlySet<string>): WorkflowCommand | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return undefined;
  const end = text.indexOf('::', 2);
  if (end < 0) return undefined;
  const { name, rest } = splitInfo(text.slice(2, end));
  if (!registered.has(name.toLowerCase())) return undefined;
  const properties = rest === undefined ? {} : parseProperties(rest.trim(), ',', unescapeProperty);
  return { command: name.toLowerCase(), properties, message: unescapeData(text.slice(end + 2)) };
}

function parseLegacy(line: string, registered: ReadonlySet<string>): WorkflowCommand | undefined {
  const start = line.indexOf('##[');
  if (start < 0) return undefined;
  const end = line.indexOf(']', start);
  if (end < 0) return undefined;
  const { name, rest } = splitInfo(line.slice(start + 3, end));
  if (!registered.has(name.toLowerCase())) return undefined;
  const properties = rest === undefined ? {} : parseProperties(rest, ';', unescapeLegacy);
  return { command: name.toLowerCase(), properties, message: unescapeLegacy(line.slice(end + 1)) };
}

/** One output line as a command, or undefined when the runner would print it as plain output. */
export function parseWorkflowCommand(
  line: string,
  registered: ReadonlySet<string> = RUNNER_COMMANDS,
): WorkflowCommand | undefined {
  return parseV2(line, registered) ?? parseLegacy(line, registered);
}

export type CommandEvent =
  | { kind: 'output' }
  | { kind: 'command'; command: WorkflowCommand }
  | { kind: 'stop'; token: string }
  | { kind: 'resume'; token: string }
  | { kind: 'invalid-stop'; token: string };

/**
 * The runner's command state for one step: after `::stop-commands::TOKEN`
 * nothing is a command until `::TOKEN::`. A token that is empty, another
 * command's name or `pause-logging` is refused (the runner fails the step)
 * unless ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS is true.
 */
export class CommandReader {
  private stopToken: string | undefined;

  private readonly options: { allowUnsecureStopTokens?: boolean };

  constructor(options: { allowUnsecureStopTokens?: boolean } = {}) {
    this.options = options;
  }

  read(line: string): CommandEvent {
    if (this.stopToken !== undefined) {
      const token = this.stopToken;
      const command = parseWorkflowCommand(line, new Set([...RUNNER_COMMANDS, token.toLowerCase()]));
      if (command?.command !== token.toLowerCase()) return { kind: 'output' };
      this.stopToken = undefined;
      return { kind: 'resume', token };
    }
    const command = parseWorkflowCommand(line);
    if (!command) return { kind: 'output' };
    if (command.command !== 'stop-commands') return { kind: 'command', command };
    const token = command.message;
    const invalid = token === '' || RUNNER_COMMANDS.has(token.toLowerCase()) || token.toLowerCase() === 'pause-logging';
    if (invalid && !this.options.allowUnsecureStopTokens) return { kind: 'invalid-stop', token };
    this.stopToken = token;
    return { kind: 'stop', token };
  }
}

/** Every command the runner would act on in `text` (stop-commands honoured). */
export function parseWorkflowCommands(text: string): WorkflowCommand[] {
  const reader = new CommandReader();
  const commands: WorkflowCommand[] = [];
  for (const line of splitLines(text)) {
    const event = reader.read(line);
    if (event.kind === 'command') commands.push(event.command);
    if (event.kind === 'stop') commands.push({ command: 'stop-commands', properties: {}, message: event.token });
  }
  return commands;
}

/** The runner reads a child's output with .NET's ReadLine: `\n`, `\r\n` and a lone `\r` all end a line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
