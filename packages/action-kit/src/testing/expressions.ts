/**
 * A small `${{ }}` evaluator for action.yml defaults in tests: property paths
 * into the github, runner and env contexts, string, number, boolean and null
 * literals, and `a || b` / `a && b`. Anything else is an error that names the
 * input and suggests passing the pipeline runner's real evaluator instead.
 */
import { interpolate, type DefaultEvaluator } from '../protocol/action-inputs.js';

type Value = string | number | boolean | null | { [key: string]: Value };

const PATH = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\['[^']*'\])*$/;

function lookup(contexts: Record<string, Value>, expression: string): Value {
  const parts = [...expression.matchAll(/([A-Za-z_][\w-]*)|\['([^']*)'\]/g)].map((m) => (m[1] ?? m[2]) as string);
  let value: Value = contexts;
  for (const part of parts) {
    if (value === null || typeof value !== 'object') return null;
    // Context property names are case-insensitive; a missing one is null.
    const key: string | undefined = Object.keys(value).find((k) => k.toLowerCase() === part.toLowerCase());
    value = key === undefined ? null : (value[key] ?? null);
  }
  return value;
}

const truthy = (value: Value): boolean => value !== null && value !== false && value !== 0 && value !== '';

function evaluate(expression: string, contexts: Record<string, Value>, input: string): Value {
  const text = expression.trim();
  for (const operator of ['||', '&&'] as const) {
    const parts = splitOutsideQuotes(text, operator);
    if (parts.length > 1) {
      const values = parts.map((part) => evaluate(part, contexts, input));
      // `a || b` is the first truthy operand, `a && b` the first falsy one; otherwise the last.
      const at = values.findIndex((v) => truthy(v) === (operator === '||'));
      return values[at < 0 ? values.length - 1 : at] as Value;
    }
  }
  if (/^'(?:[^']|'')*'$/.test(text)) return text.slice(1, -1).replaceAll("''", "'");
  if (/^-?\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  if (PATH.test(text)) return lookup(contexts, text);
  throw new Error(
    `The default of input '${input}' uses \${{ ${text} }}, which the test harness cannot evaluate (it knows context paths, literals, || and &&); pass RunActionOptions.evaluate`,
  );
}

function splitOutsideQuotes(text: string, operator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (!quoted && text.startsWith(operator, i)) {
      parts.push(text.slice(start, i));
      start = i + operator.length;
      i += operator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Expression results as the runner turns them into text: null is '', booleans and numbers as written. */
function toText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function simpleEvaluator(contexts: Record<string, Value>): DefaultEvaluator {
  return (template, input) => interpolate(template, (expression) => toText(evaluate(expression, contexts, input)));
}
