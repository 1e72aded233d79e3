/**
 * A `promql` check's own fields: the query and the threshold every sample of
 * its answer must meet (`< 0.01`, `== 1`). Running the query is the caller's
 * (smoke-test sends it to `prometheus-url`).
 */

export const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Threshold {
  op: Operator;
  value: number;
}

export interface PromqlQuery {
  query: string;
  threshold: Threshold;
}

/** The only fields a promql check accepts. */
export const PROMQL_CHECK_KEYS = ['name', 'promql', 'threshold', 'headers'] as const;

/** `< 0.01`, `== 1`, `>= 3` (the number as PromQL writes it: 1e-3, +Inf and NaN too). */
export function parseThreshold(raw: unknown): Threshold | string {
  const accepted = `an operator (${OPERATORS.join(' ')}) and a number, such as "< 0.01" or "== 1"`;
  if (typeof raw === 'number') return { op: '==', value: raw };
  if (typeof raw !== 'string') return `must be ${accepted}, got ${raw === undefined ? 'nothing' : typeof raw}`;
  const m = /^\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$/.exec(raw);
  const value = m ? promNumber(m[2] as string) : undefined;
  if (!m || value === undefined) return `must be ${accepted}, got ${JSON.stringify(raw)}`;
  return { op: m[1] as Operator, value };
}

function promNumber(text: string): number | undefined {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const n = Number(text);
  return text.trim() !== '' && !Number.isNaN(n) ? n : undefined;
}

export function meets(sample: number, { op, value }: Threshold): boolean {
  switch (op) {
    case '<':
      return sample < value;
    case '<=':
      return sample <= value;
    case '>':
      return sample > value;
    case '>=':
      return sample >= value;
    case '==':
      return sample === value;
    case '!=':
      return sample !== value;
  }
}

export const describeThreshold = (t: Threshold): string => `${t.op} ${t.value}`;

/** Validates a promql check's own fields; pushes problems through `problem`, returns the query or undefined. */
export function validatePromql(
  item: Record<string, unknown>,
  problem: (field: string, message: string) => void,
): PromqlQuery | undefined {
  const query = item['promql'];
  const ok = typeof query === 'string' && query.trim() !== '';
  if (!ok) problem('promql', 'must be a non-empty PromQL expression');
  const threshold = parseThreshold(item['threshold']);
  if (typeof threshold === 'string') problem('threshold', threshold);
  for (const key of Object.keys(item))
    if (!(PROMQL_CHECK_KEYS as readonly string[]).includes(key))
      problem(key, `does not apply to a promql check (it accepts ${PROMQL_CHECK_KEYS.join(', ')})`);
  return ok && typeof threshold !== 'string' ? { query: query.trim(), threshold } : undefined;
}
