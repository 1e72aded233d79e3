/**
 * `${{ }}` evaluation with the official @actions/expressions lexer, parser
 * and evaluator, and evaluation of @actions/workflow-parser template tokens
 * (strings with embedded expressions arrive as `format('...', ...)` tokens).
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } from '@actions/workflow-parser';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The status functions' answers where the expression is evaluated (job or step level). */
export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

/** For expressions outside `if:` (names, env, with:), where status functions do not apply. */
export const noStatus: StatusFunctions = { success: () => true, failure: () => false, cancelled: () => false };

export interface EvalContext {
  contexts: Record<string, Json>;
  status: StatusFunctions;
  /** hashFiles() base directory (GITHUB_WORKSPACE). */
  workspace?: string;
  hashFiles?: (patterns: string[]) => string;
}

const CONTEXT_NAMES = [
  'github',
  'env',
  'vars',
  'job',
  'jobs',
  'steps',
  'runner',
  'secrets',
  'strategy',
  'matrix',
  'needs',
  'inputs',
];

type FunctionDefinition = {
  name: string;
  minArgs: number;
  maxArgs: number;
  call: (...args: data.ExpressionData[]) => data.ExpressionData;
};

function functions(ctx: EvalContext): Map<string, FunctionDefinition> {
  const status = (name: string, answer: () => boolean): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(answer()),
  });
  const list: FunctionDefinition[] = [
    status('success', () => ctx.status.success()),
    status('failure', () => ctx.status.failure()),
    status('cancelled', () => ctx.status.cancelled()),
    status('always', () => true),
    {
      name: 'hashFiles',
      minArgs: 1,
      maxArgs: 255,
      call: (...args) => new data.StringData(ctx.hashFiles ? ctx.hashFiles(args.map((a) => a.coerceString())) : ''),
    },
  ];
  return new Map(list.map((f) => [f.name.toLowerCase(), f]));
}

export function toExpressionData(value: Json): data.Dictionary {
  return JSON.parse(JSON.stringify(value), data.reviver) as data.Dictionary;
}

export function fromExpressionData(value: data.ExpressionData): Json {
  return JSON.parse(JSON.stringify(value, data.replacer) ?? 'null') as Json;
}

/** Evaluates one expression (without the `${{ }}` markers). */
export function evaluateExpression(expression: string, ctx: EvalContext): Json {
  const funcs = functions(ctx);
  const tokens = new Lexer(expression).lex().tokens;
  const ast = new Parser(tokens, CONTEXT_NAMES, [...funcs.values()]).parse();
  const contexts = toExpressionData(Object.fromEntries(CONTEXT_NAMES.map((name) => [name, ctx.contexts[name] ?? {}])));
  return fromExpressionData(new Evaluator(ast, contexts, funcs).evaluate());
}

/** Truthiness as the runner applies it to `if:`. */
export function truthy(value: Json): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  return true;
}

/** `if:` conditions: the parser already adds the implicit `success() && (...)`. */
export function evaluateCondition(expression: string, ctx: EvalContext): boolean {
  return truthy(evaluateExpression(expression, ctx));
}

/** Evaluates a template token (literal, expression, mapping or sequence) to plain JSON. */
export function evaluateToken(token: TemplateToken | undefined, ctx: EvalContext): Json {
  if (token === undefined) return null;
  if (isBasicExpression(token)) return evaluateExpression(token.expression, ctx);
  if (isString(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isSequence(token)) {
    const items: Json[] = [];
    for (let i = 0; i < token.count; i++) items.push(evaluateToken(token.get(i), ctx));
    return items;
  }
  if (isMapping(token)) {
    const result: Record<string, Json> = {};
    for (const pair of token) result[stringValue(evaluateToken(pair.key, ctx))] = evaluateToken(pair.value, ctx);
    return result;
  }
  return null;
}

/** The string the runner puts in an input, env variable or output. */
export function stringValue(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

/** Evaluates a mapping token to a string map (env:, with:, outputs:). */
export function evaluateStringMap(token: TemplateToken | undefined, ctx: EvalContext): Record<string, string> {
  const value = evaluateToken(token, ctx);
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new Error(`Expected a mapping, got ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringValue(v)]));
}
