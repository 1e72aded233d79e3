/**
 * Inputs of a JavaScript action as the runner passes them (ActionRunner.cs,
 * Handler.AddInputsToEnvironment): every input the step gives, plus every
 * input action.yml declares that the step does not give, with its default
 * ('' without one). A default with `${{ }}` is evaluated by the caller's
 * evaluator. Each becomes INPUT_<NAME>: spaces to `_`, upper-cased, hyphens kept.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ActionInputSpec {
  default?: string | number | boolean | null;
  required?: boolean;
  description?: string;
  deprecationMessage?: string;
}

export interface ActionManifest {
  name?: string;
  runs?: { using?: string; main?: string; pre?: string; post?: string; 'pre-if'?: string; 'post-if'?: string };
  inputs?: Record<string, ActionInputSpec>;
  outputs?: Record<string, { description?: string }>;
}

/**
 * Evaluates an action.yml default that contains `${{ }}` (the whole text, which
 * may mix literal text and expressions) for the named input, to a string.
 */
export type DefaultEvaluator = (template: string, input: string) => string;

export async function readActionManifest(actionDir: string): Promise<ActionManifest> {
  for (const name of ['action.yml', 'action.yaml']) {
    const text = await readFile(path.join(actionDir, name), 'utf8').catch(() => undefined);
    if (text !== undefined) return (parseYaml(text) ?? {}) as ActionManifest;
  }
  throw new Error(`${actionDir} has no action.yml or action.yaml`);
}

/** The runner's name mangling: spaces become underscores, the rest is upper-cased; hyphens stay. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Splits `text` into literal parts and `${{ expr }}` parts and joins the
 * literals with `evaluate(expr)` (the runner turns such text into format()).
 * A `}}` inside a quoted string literal does not end the expression.
 */
export function interpolate(text: string, evaluate: (expression: string) => string): string {
  let result = '';
  let at = 0;
  for (let start = text.indexOf('${{'); start >= 0; start = text.indexOf('${{', at)) {
    let i = start + 3;
    let quoted = false;
    for (; i < text.length - 1; i++) {
      if (text[i] === "'") quoted = !quoted;
      else if (!quoted && text[i] === '}' && text[i + 1] === '}') break;
    }
    if (i >= text.length - 1) throw new Error(`Unclosed expression in ${JSON.stringify(text)}: expected '}}'`);
    result += text.slice(at, start) + evaluate(text.slice(start + 3, i).trim());
    at = i + 2;
  }
  return result + text.slice(at);
}

export interface InputEnvironment {
  /** INPUT_* variables. */
  env: Record<string, string>;
  /** Names the step gives that action.yml does not declare (the runner warns; it still passes them). */
  unexpected: string[];
  /** Deprecation messages of inputs the step gives. */
  deprecated: string[];
  /** Declared inputs marked required that are missing or empty (the runner does not enforce this; actions do). */
  missingRequired: string[];
}

export function inputEnv(
  manifest: ActionManifest,
  withValues: Record<string, string>,
  evaluate: DefaultEvaluator,
): InputEnvironment {
  const declared = Object.entries(manifest.inputs ?? {});
  const given = (name: string): string | undefined =>
    Object.keys(withValues).find((key) => key.toLowerCase() === name.toLowerCase());
  const result: InputEnvironment = { env: {}, unexpected: [], deprecated: [], missingRequired: [] };
  for (const [name, value] of Object.entries(withValues)) {
    result.env[inputVariable(name)] = value;
    const spec = declared.find(([declaredName]) => declaredName.toLowerCase() === name.toLowerCase());
    if (!spec) result.unexpected.push(name);
    else if (spec[1]?.deprecationMessage)
      result.deprecated.push(`Input '${name}' has been deprecated: ${spec[1].deprecationMessage}`);
  }
  for (const [name, spec] of declared) {
    const key = given(name);
    if (key === undefined) {
      const raw = spec?.default === undefined || spec.default === null ? '' : String(spec.default);
      result.env[inputVariable(name)] = raw.includes('${{') ? evaluate(raw, name) : raw;
    }
    if (spec?.required && (result.env[inputVariable(name)] ?? '') === '') result.missingRequired.push(name);
  }
  return result;
}
