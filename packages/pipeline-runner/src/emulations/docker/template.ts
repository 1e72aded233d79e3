/**
 * The part of Handlebars the docker actions' patterns use: `{{name}}`,
 * `{{{name}}}`, helpers with string/number arguments and hash options
 * (`{{date 'YYYYMMDD' tz='Asia/Tokyo'}}`), dotted paths, HTML escaping of
 * `{{ }}` and Handlebars' rule that a function found in the data is called.
 * Blocks (`{{#if}}`) are refused with a clear error instead of misrendered.
 */
import { InputError } from './types.js';

export type HelperOptions = { hash: Record<string, unknown> };
export type Helper = (this: Record<string, unknown>, ...args: unknown[]) => unknown;
export type TemplateData = Record<string, unknown>;

interface Mustache {
  kind: 'mustache';
  escape: boolean;
  path: string;
  params: unknown[];
  paramPaths: (string | undefined)[];
  hash: Record<string, unknown>;
}
type Node = { kind: 'text'; text: string } | Mustache;

const TOKEN =
  /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_@][\w.\-@]*)=|([A-Za-z_@.][\w.\-@/]*)/y;

function parseExpression(source: string, template: string): Mustache {
  const body = source.trim();
  const node: Mustache = { kind: 'mustache', escape: true, path: '', params: [], paramPaths: [], hash: {} };
  let pending: string | undefined;
  let at = 0;
  while (at < body.length) {
    while (body[at] === ' ' || body[at] === '\t') at++;
    if (at >= body.length) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(body);
    if (!m)
      throw new InputError(
        `Parse error in template ${JSON.stringify(template)}: unexpected ${JSON.stringify(body.slice(at))}`,
      );
    at = TOKEN.lastIndex;
    const [, single, double, num, hashKey, path] = m;
    if (hashKey !== undefined) {
      if (pending !== undefined)
        throw new InputError(`Parse error in template ${JSON.stringify(template)}: ${hashKey}= after ${pending}=`);
      pending = hashKey;
      continue;
    }
    const value: unknown = single ?? double ?? (num !== undefined ? Number(num) : undefined);
    const isPath = value === undefined;
    if (node.path === '') {
      if (!isPath)
        throw new InputError(
          `Parse error in template ${JSON.stringify(template)}: expected a name, got ${JSON.stringify(m[0])}`,
        );
      node.path = path as string;
    } else if (pending !== undefined) {
      node.hash[pending] = isPath ? { path } : value;
      pending = undefined;
    } else {
      node.params.push(value);
      node.paramPaths.push(isPath ? path : undefined);
    }
  }
  if (node.path === '' || pending !== undefined)
    throw new InputError(`Parse error in template ${JSON.stringify(template)}: incomplete expression {{${source}}}`);
  return node;
}

/** Splits a template into text and `{{ }}` nodes. */
export function parseTemplate(template: string): Node[] {
  const nodes: Node[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('\\{{', i)) {
      text += '{{';
      i += 3;
      continue;
    }
    if (!template.startsWith('{{', i)) {
      text += template[i];
      i++;
      continue;
    }
    const triple = template.startsWith('{{{', i);
    const close = template.indexOf(triple ? '}}}' : '}}', i);
    if (close < 0) throw new InputError(`Parse error in template ${JSON.stringify(template)}: '{{' is not closed`);
    let inner = template.slice(i + (triple ? 3 : 2), close).replace(/^~|~$/g, '');
    if (/^[#/^>!&]/.test(inner.trim()) || inner.trim().startsWith('else')) {
      if (inner.trim().startsWith('!')) {
        i = close + 2;
        continue;
      }
      throw new InputError(
        `template ${JSON.stringify(template)}: blocks and partials ({{${inner.trim()}}}) are not supported by the local emulation`,
      );
    }
    inner = inner.trim();
    if (text !== '') nodes.push({ kind: 'text', text });
    text = '';
    const node = parseExpression(inner, template);
    node.escape = !triple;
    nodes.push(node);
    i = close + (triple ? 3 : 2);
  }
  if (text !== '') nodes.push({ kind: 'text', text });
  return nodes;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
};

/** Handlebars' escapeExpression, including its stringification of non-strings. */
function stringify(value: unknown, escape: boolean): string {
  if (value === null || value === undefined) return '';
  // Handlebars stringifies like '' + value (arrays join with ',').
  const text = typeof value === 'string' ? value : `${value as string}`;
  return escape ? text.replace(/[&<>"'`=]/g, (c) => ESCAPES[c] as string) : text;
}

function lookup(data: TemplateData, path: string): unknown {
  if (path === 'this' || path === '.') return data;
  let value: unknown = data;
  for (const part of path.replace(/^(this|\.)\//, '').split(/[./]/)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = part in value ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

function evaluate(node: Mustache, data: TemplateData, helpers: Record<string, Helper>): unknown {
  const params = node.params.map((p, i) => (node.paramPaths[i] !== undefined ? lookup(data, node.paramPaths[i]) : p));
  const hash: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node.hash)) {
    hash[key] =
      typeof value === 'object' && value !== null && 'path' in value
        ? lookup(data, String((value as { path: string }).path))
        : value;
  }
  const helper = helpers[node.path] ?? lookup(data, node.path);
  if (typeof helper === 'function') return (helper as Helper).call(data, ...params, { hash } satisfies HelperOptions);
  if (params.length > 0 || Object.keys(hash).length > 0) throw new InputError(`Missing helper: "${node.path}"`);
  return helper;
}

/** Renders a template as Handlebars' compile(template)(data) would. */
export function render(template: string, data: TemplateData = {}, helpers: Record<string, Helper> = {}): string {
  return parseTemplate(template)
    .map((node) => (node.kind === 'text' ? node.text : stringify(evaluate(node, data, helpers), node.escape)))
    .join('');
}

/** True when the whole template is the one expression `{{raw}}` (metadata-action's isRawStatement). */
export function isRawStatement(template: string): boolean {
  try {
    const nodes = parseTemplate(template);
    const only = nodes[0];
    return nodes.length === 1 && only?.kind === 'mustache' && only.path === 'raw';
  } catch {
    return false;
  }
}
