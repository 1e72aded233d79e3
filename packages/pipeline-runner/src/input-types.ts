/**
 * `with:` values against the called workflow's `on.workflow_call.inputs.<name>.type`, as GitHub
 * checks them before the run starts (a mismatch fails the run with "Unexpected value '120'"):
 * - number: a YAML number only; a quoted scalar ('120') or an expression that gives a string
 *   is refused, GitHub does not convert it (fromJSON() does);
 * - boolean: a YAML boolean only ('true' quoted is a string);
 * - string: a string, or a number or boolean, which GitHub turns into its text (3.10 → "3.1");
 * - null (an empty value) matches no type.
 * An expression is checked only when its value is known without the run's contexts (literals and
 * the pure functions); otherwise its value is checked when the calling job evaluates it.
 */
import { Lexer } from '@actions/expressions';
import { isBasicExpression, isBoolean, isMapping, isNumber, isString } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { evaluateExpression, noStatus, stringValue } from './expressions.js';
import type { Json } from './expressions.js';
import { get, literal } from './workflow.js';
import type { ParsedWorkflow } from './workflow.js';

export type InputType = 'string' | 'number' | 'boolean';

/**
 * Declared types from the raw tokens: the parser's model drops 'number' (its InputType enum
 * lacks it). An input without a valid type is left out (the parser reports it).
 */
export function declaredInputTypes(pipeline: ParsedWorkflow): Map<string, InputType> {
  const inputs = get(get(get(pipeline.root, 'on'), 'workflow_call'), 'inputs');
  const types = new Map<string, InputType>();
  if (!inputs || !isMapping(inputs)) return types;
  for (const pair of inputs) {
    const type = literal(get(pair.value, 'type'));
    if (isString(pair.key) && (type === 'string' || type === 'number' || type === 'boolean'))
      types.set(pair.key.value, type);
  }
  return types;
}

function describe(value: Json): string {
  if (value === null) return 'an empty value (null)';
  if (typeof value === 'string') return `'${value}' (a string)`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${value} (a ${typeof value})`;
  return `${JSON.stringify(value)} (${Array.isArray(value) ? 'a sequence' : 'a mapping'})`;
}

const HINT: Record<InputType, string> = {
  number: 'write the number unquoted, or fromJSON(...) in an expression',
  boolean: 'write true or false unquoted, or fromJSON(...) in an expression',
  string: 'write a string',
};

/** Why GitHub would refuse `value` for an input of `type`, or undefined when it accepts it. */
export function typeProblem(type: InputType, value: Json): string | undefined {
  const ok =
    type === 'number'
      ? typeof value === 'number' && Number.isFinite(value)
      : type === 'boolean'
        ? typeof value === 'boolean'
        : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  return ok ? undefined : `${describe(value)} is not a ${type} (${HINT[type]})`;
}

/** The value GitHub gives the called workflow: numbers and booleans become text for a string input. */
export function asDeclared(type: InputType, value: Json): Json {
  return type === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? stringValue(value) : value;
}

const PURE_FUNCTIONS = new Set(['format', 'join', 'tojson', 'fromjson', 'contains', 'startswith', 'endswith']);
const KEYWORDS = new Set(['true', 'false', 'null']);
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Whether the expression's value is known without the run's contexts: every name in it is a
 * keyword, a pure function or a property name after a dot (`fromJSON('{"a":1}').a`).
 */
export function isStatic(expression: string): boolean {
  let tokens;
  try {
    tokens = new Lexer(expression).lex().tokens;
  } catch {
    return false;
  }
  return tokens.every((token, i) => {
    if (!NAME.test(token.lexeme) || KEYWORDS.has(token.lexeme)) return true;
    if (tokens[i - 1]?.lexeme === '.') return true;
    return PURE_FUNCTIONS.has(token.lexeme.toLowerCase()) && tokens[i + 1]?.lexeme === '(';
  });
}

/** The value of a `with:` entry when it is known before the run, else undefined. */
export function staticValue(token: TemplateToken): { value: Json } | undefined {
  if (isString(token) || isNumber(token) || isBoolean(token)) return { value: token.value };
  if (isBasicExpression(token)) {
    if (!isStatic(token.expression)) return undefined;
    try {
      return { value: evaluateExpression(token.expression, { contexts: {}, status: noStatus }) };
    } catch {
      return undefined; // a broken expression is the parser's to report
    }
  }
  // The workflow schema allows only scalars under with: (it reads an empty `key:` as '').
  return undefined;
}

export interface InputTypeFinding {
  input: string;
  type: InputType;
  problem: string;
}

/** The caller's static `with:` values that the called workflow's declared types refuse. */
export function withTypeFindings(withToken: TemplateToken | undefined, pipeline: ParsedWorkflow): InputTypeFinding[] {
  const types = declaredInputTypes(pipeline);
  const findings: InputTypeFinding[] = [];
  if (!withToken || !isMapping(withToken)) return findings;
  for (const pair of withToken) {
    const type = isString(pair.key) ? types.get(pair.key.value) : undefined;
    const known = type && staticValue(pair.value);
    const problem = type && known ? typeProblem(type, known.value) : undefined;
    if (type && problem && isString(pair.key)) findings.push({ input: pair.key.value, type, problem });
  }
  return findings;
}

/** "with.x: '120' (a string) is not a number (...); p.yml declares it type: number" */
export function describeTypeFinding(finding: InputTypeFinding, pipelineFile: string): string {
  return `with.${finding.input}: ${finding.problem}; ${pipelineFile} declares it type: ${finding.type}`;
}

/** The runner's message: the caller file first, as for its other `with:` errors. */
export function inputTypeMessage(
  callerFile: string,
  input: string,
  type: InputType,
  pipelineFile: string,
  problem: string,
): string {
  return `${callerFile}: ${describeTypeFinding({ input, type, problem }, pipelineFile)}`;
}
