/**
 * The called workflow's inputs: declared defaults, the caller's `with:`, then local overrides.
 * The caller's values must already have the declared type, as on GitHub (see input-types.ts);
 * `--input` overrides are text, like a workflow_dispatch form, and are converted.
 */
import { evaluateToken, noStatus, stringValue } from './expressions.js';
import type { Json } from './expressions.js';
import { asDeclared, inputTypeMessage, typeProblem, withTypeFindings } from './input-types.js';
import type { InputType } from './input-types.js';
import { get, literal, WorkflowError } from './workflow.js';
import type { ParsedWorkflow, ReusableWorkflowJob } from './workflow.js';

/** Before any job runs: the caller's `with:` values known without the run's contexts, against the declared types. */
export function checkCallerInputTypes(callerFile: string, job: ReusableWorkflowJob, pipeline: ParsedWorkflow): void {
  const findings = withTypeFindings(job['input-values'], pipeline);
  if (findings.length === 0) return;
  const lines = findings.map((f) => inputTypeMessage(callerFile, f.input, f.type, pipeline.file, f.problem));
  throw new WorkflowError(lines.join('\n'));
}

type DeclaredInput = { required?: boolean; default?: unknown };

export function resolveInputs(
  pipeline: ParsedWorkflow,
  withValues: Record<string, Json>,
  overrides: Record<string, string>,
  callerFile: string,
): Record<string, Json> {
  const declared = pipeline.template.events.workflow_call?.inputs ?? {};
  // 'number' is a valid workflow_call input type that the parser's InputType enum lacks
  // (it converts it to undefined): read the declared type from the raw tokens.
  const rawInputs = get(get(get(pipeline.root, 'on'), 'workflow_call'), 'inputs');
  const typeOf = (name: string): string => literal(get(get(rawInputs, name), 'type')) ?? 'string';
  const names = Object.keys(declared).join(', ');
  const inputs: Record<string, Json> = {};
  for (const [name, spec] of Object.entries(declared) as [string, DeclaredInput][]) {
    // The parser also drops the default of a 'number' input: fall back to the raw token.
    const raw = (spec.default ?? get(get(rawInputs, name), 'default')) as
      string | number | boolean | Parameters<typeof evaluateToken>[0] | undefined;
    const type = typeOf(name);
    if (raw !== undefined)
      inputs[name] = typed(
        name,
        type,
        typeof raw === 'object' ? stringValue(evaluateToken(raw, { contexts: {}, status: noStatus })) : raw,
      );
    else inputs[name] = type === 'boolean' ? false : type === 'number' ? 0 : '';
  }
  for (const [name, value] of Object.entries(withValues)) {
    if (!(name in declared))
      throw new WorkflowError(
        `${callerFile}: input '${name}' is not declared by ${pipeline.file} (declared: ${names})`,
      );
    // The value as evaluated in the caller's contexts: GitHub checks it when the call starts.
    const type = typeOf(name) as InputType;
    const problem = typeProblem(type, value);
    if (problem) throw new WorkflowError(inputTypeMessage(callerFile, name, type, pipeline.file, problem));
    inputs[name] = asDeclared(type, value);
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in declared))
      throw new WorkflowError(`--input ${name}: not an input of ${pipeline.file} (declared: ${names})`);
    inputs[name] = typed(name, typeOf(name), value);
  }
  for (const [name, spec] of Object.entries(declared) as [string, DeclaredInput][]) {
    if (spec.required && !(name in withValues) && !(name in overrides))
      throw new WorkflowError(`${pipeline.file} requires input '${name}'`);
  }
  return inputs;
}

function typed(name: string, type: string, value: Json): Json {
  if (typeof value !== 'string') return value;
  if (type === 'number') {
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n))
      throw new WorkflowError(`input '${name}' must be a number, got '${value}'`);
    return n;
  }
  if (type === 'boolean') {
    if (value !== 'true' && value !== 'false')
      throw new WorkflowError(`input '${name}' must be true or false, got '${value}'`);
    return value === 'true';
  }
  return value;
}
