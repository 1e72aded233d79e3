/**
 * What the runner does with each line a step prints (OutputManager and
 * ActionCommandManager in actions/runner): commands are acted on, everything
 * is masked before it is shown, annotations are recorded with masked
 * messages. One StepOutput per step; the SecretMasker is shared by the job,
 * since a mask added in one step hides the value in every later one.
 */
import { isAnnotationCommand, toAnnotation, type Annotation } from './annotations.js';
import { BLOCKED_ENV, addToPath } from './file-commands.js';
import type { SecretMasker } from './secret-masker.js';
import { CommandReader, property, type WorkflowCommand } from './workflow-commands.js';

export interface StepOutputOptions {
  masker: SecretMasker;
  /** GITHUB_WORKSPACE, to report annotation files relative to it. */
  workspace?: string;
  /** Step debug logging (ACTIONS_STEP_DEBUG): `::debug::` lines are shown and commands are echoed. */
  debug?: boolean;
  /** The step's environment: ACTIONS_ALLOW_UNSECURE_COMMANDS and ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS are read from it. */
  env?: Record<string, string | undefined>;
  /**
   * Mask annotation messages, as the runner records them (default true). The
   * test harness keeps them as the action wrote them, so a test that no secret
   * reaches an annotation can fail; the log lines are masked either way.
   */
  maskAnnotations?: boolean;
}

const isTrue = (value: string | undefined): boolean => value?.trim().toLowerCase() === 'true';

export class StepOutput {
  /** Every command acted on, in order. */
  readonly commands: WorkflowCommand[] = [];
  /** error/warning/notice commands, messages masked. */
  readonly annotations: Annotation[] = [];
  /** Values registered with `::add-mask::`. */
  readonly masks: string[] = [];
  /** The deprecated `::set-output name=x::` and `::save-state name=x::` (the runner still honours them). */
  readonly outputs: Record<string, string> = {};
  readonly state: Record<string, string> = {};
  /** `::set-env::` and `::add-path::`, honoured only with ACTIONS_ALLOW_UNSECURE_COMMANDS=true. */
  readonly env: Record<string, string> = {};
  path: string[] = [];
  /** Errors and warnings the runner itself reports for this step. */
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  /** A command could not be processed: the runner fails the step whatever the exit code. */
  failed = false;

  private readonly reader: CommandReader;
  private echo: boolean;

  private readonly options: StepOutputOptions;

  constructor(options: StepOutputOptions) {
    this.options = options;
    this.reader = new CommandReader({
      allowUnsecureStopTokens: isTrue(options.env?.['ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS']),
    });
    this.echo = options.debug ?? false;
  }

  /** Processes one line (stdout or stderr, without its line break) and returns what the log shows, masked. */
  line(raw: string): string[] {
    const event = this.reader.read(raw);
    switch (event.kind) {
      case 'output':
        return [this.mask(raw)];
      case 'stop':
        // The runner hides a stop token longer than 6 characters, so the log does not reveal how to resume.
        if (event.token.length > 6) this.options.masker.addValue(event.token);
        this.commands.push({ command: 'stop-commands', properties: {}, message: event.token });
        return [this.mask(raw)];
      case 'resume':
        return [this.mask(raw)];
      case 'invalid-stop':
        return this.fail(
          `stop-commands: the token must not be empty, 'pause-logging' or a command name (got ${JSON.stringify(event.token)}); set ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS=true to allow it`,
        );
      case 'command':
        this.commands.push(event.command);
        return this.command(event.command, raw);
    }
  }

  private mask(text: string): string {
    return this.options.masker.mask(text);
  }

  private fail(message: string): string[] {
    this.errors.push(message);
    this.failed = true;
    return [`##[error]${this.mask(message)}`];
  }

  private echoed(raw: string, lines: string[] = []): string[] {
    return this.echo ? [this.mask(raw), ...lines] : lines;
  }

  private command(command: WorkflowCommand, raw: string): string[] {
    if (isAnnotationCommand(command)) {
      const masked = toAnnotation({ ...command, message: this.mask(command.message) }, this.options.workspace);
      this.annotations.push(
        this.options.maskAnnotations === false ? toAnnotation(command, this.options.workspace) : masked,
      );
      return [`##[${masked.level}]${masked.message}`];
    }
    switch (command.command) {
      case 'add-mask':
        if (!this.options.masker.add(command.message)) {
          this.warnings.push('add-mask: the value is empty; nothing is masked');
          return [`##[warning]add-mask: the value is empty; nothing is masked`];
        }
        this.masks.push(command.message);
        return this.echo ? ['::add-mask::***'] : [];
      case 'debug':
        return this.options.debug ? [`##[debug]${this.mask(command.message)}`] : [];
      case 'group':
        return this.echoed(raw, [`##[group]${this.mask(command.message)}`]);
      case 'endgroup':
        return this.echoed(raw, ['##[endgroup]']);
      case 'echo':
        return this.setEcho(command.message, raw);
      case 'set-output':
      case 'save-state':
        return this.named(command, raw, command.command === 'set-output' ? this.outputs : this.state);
      case 'set-env':
      case 'add-path':
        return this.unsecure(command, raw);
      default:
        // add-matcher / remove-matcher: problem matchers are not emulated.
        this.warnings.push(`${command.command}: problem matchers are not applied here`);
        return this.echoed(raw);
    }
  }

  private setEcho(value: string, raw: string): string[] {
    const answer = value.trim().toLowerCase();
    if (answer !== 'on' && answer !== 'off')
      return this.fail(`echo: expected 'on' or 'off', got ${JSON.stringify(value)}`);
    const lines = this.echoed(raw);
    this.echo = answer === 'on';
    return lines;
  }

  private named(command: WorkflowCommand, raw: string, target: Record<string, string>): string[] {
    const name = property(command, 'name');
    if (!name) return this.fail(`${command.command}: the 'name' property is missing`);
    target[name] = command.message;
    return this.echoed(raw);
  }

  private unsecure(command: WorkflowCommand, raw: string): string[] {
    if (!isTrue(this.options.env?.['ACTIONS_ALLOW_UNSECURE_COMMANDS'])) {
      return this.fail(
        `${command.command} is disabled: write to ${command.command === 'set-env' ? 'GITHUB_ENV' : 'GITHUB_PATH'} instead (or set ACTIONS_ALLOW_UNSECURE_COMMANDS=true)`,
      );
    }
    if (command.command === 'add-path') {
      if (command.message === '') return this.fail('add-path: the path is empty');
      this.path = addToPath(this.path, [command.message]);
      return this.echoed(raw);
    }
    const name = property(command, 'name');
    if (!name) return this.fail("set-env: the 'name' property is missing");
    if (BLOCKED_ENV.some((blocked) => blocked.toLowerCase() === name.toLowerCase())) {
      this.errors.push(`set-env: ${name} cannot be set by a step`);
      return [`##[error]set-env: ${name} cannot be set by a step`];
    }
    this.env[name] = command.message;
    return this.echoed(raw);
  }
}

/**
 * Splits a stream of output chunks into lines the way .NET's ReadLine does
 * (`\n`, `\r\n`, lone `\r`), also when a `\r\n` is split across two chunks.
 */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const text = this.pending + chunk;
    // A trailing `\r` may be the first half of `\r\n`: keep it until the next chunk.
    const cut = text.endsWith('\r') ? text.length - 1 : text.length;
    const parts = text.slice(0, cut).split(/\r\n|\r|\n/);
    this.pending = (parts.pop() ?? '') + text.slice(cut);
    return parts;
  }

  /** The last line, if the stream did not end with a line break. */
  end(): string[] {
    const rest = this.pending;
    this.pending = '';
    if (rest === '') return [];
    return rest.endsWith('\r') ? [rest.slice(0, -1)] : [rest];
  }
}
