/**
 * Runs a program with an argument array. There is deliberately no way to pass
 * a command line string: no input ever reaches a shell.
 */
import * as actionsExec from '@actions/exec';

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Text written to the program's standard input. */
  input?: string;
  /** Echo the command line and output into the log (default false). */
  echo?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export const execArgs: Exec = async (command, args, options = {}) => {
  if (!Array.isArray(args)) throw new TypeError('execArgs takes its arguments as an array');
  if (command.trim() === '') throw new TypeError('execArgs needs a program to run');
  const result = await actionsExec.getExecOutput(command, args.slice(), {
    cwd: options.cwd,
    env: options.env,
    input: options.input === undefined ? undefined : Buffer.from(options.input),
    silent: !options.echo,
    ignoreReturnCode: true,
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
};
