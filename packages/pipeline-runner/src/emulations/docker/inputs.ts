/**
 * How the docker actions read their inputs: @actions/core's getInput and
 * getBooleanInput, and the actions toolkit's list parsing, which runs every
 * list input through csv-parse (quotes, `#` comment lines, commas). The same
 * rules here give the same lists from the same YAML.
 */
import { InputError } from './types.js';
import type { StepInputs } from './types.js';

export interface CsvOptions {
  /** false: quotes are ordinary characters (build-push-action's `outputs`). */
  quote?: boolean;
  /** A quote inside an unquoted field is kept instead of being an error. */
  relaxQuotes?: boolean;
  /** Lines starting with this character are comments (only at a record's start). */
  comment?: string;
}

interface CsvState {
  records: string[][];
  record: string[];
  field: string;
  quoting: boolean;
  wasQuoted: boolean;
  commenting: boolean;
  line: number;
}

function endField(s: CsvState): void {
  s.record.push(s.field);
  s.field = '';
  s.wasQuoted = false;
}

function endRecord(s: CsvState): void {
  if (s.commenting) s.commenting = false;
  else if (s.record.length > 0 || s.field !== '' || s.wasQuoted) {
    endField(s);
    s.records.push(s.record);
  }
  s.record = [];
  s.line += 1;
}

/** Handles a quote character; returns how many extra characters it consumed. */
function onQuote(s: CsvState, text: string, i: number, options: CsvOptions): number {
  if (s.quoting) {
    const next = text[i + 1];
    if (next === '"') {
      s.field += '"';
      return 1;
    }
    if (next === undefined || next === ',' || next === '\n' || next === '\r') {
      s.quoting = false;
      s.wasQuoted = true;
      return 0;
    }
    if (!options.relaxQuotes) {
      throw new InputError(
        `Invalid Closing Quote: got "${next}" at line ${s.line} instead of delimiter, record delimiter, trimable character (if activated) or comment`,
      );
    }
    s.quoting = false;
    s.field = `"${s.field}"`;
    return 0;
  }
  if (s.field === '' && !s.wasQuoted) {
    s.quoting = true;
    return 0;
  }
  if (!options.relaxQuotes) {
    throw new InputError(
      `Invalid Opening Quote: a quote is found on field ${s.record.length} at line ${s.line}, value is ${JSON.stringify(s.field)}`,
    );
  }
  s.field += '"';
  return 0;
}

/** csv-parse's records for the options the docker actions pass (relaxed column count, empty lines skipped). */
export function parseCsv(text: string, options: CsvOptions = {}): string[][] {
  const s: CsvState = {
    records: [],
    record: [],
    field: '',
    quoting: false,
    wasQuoted: false,
    commenting: false,
    line: 1,
  };
  const quotes = options.quote !== false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (s.commenting) {
      if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        endRecord(s);
      }
      continue;
    }
    if (quotes && ch === '"') {
      i += onQuote(s, text, i, options);
      continue;
    }
    if (s.quoting) {
      s.field += ch;
      continue;
    }
    if (
      options.comment !== undefined &&
      ch === options.comment &&
      s.record.length === 0 &&
      s.field === '' &&
      !s.wasQuoted
    ) {
      s.commenting = true;
      continue;
    }
    if (ch === ',') endField(s);
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord(s);
    } else s.field += ch;
  }
  if (s.quoting)
    throw new InputError(`Quote Not Closed: the parsing is finished with an opening quote at line ${s.line}`);
  if (!s.commenting) endRecord(s);
  return s.records;
}

export interface ListOptions extends CsvOptions {
  /** Commas do not separate items (one item a line). */
  ignoreComma?: boolean;
  trimWhitespace?: boolean;
}

/** The actions toolkit's Util.getList: one item a line (and a comma unless ignoreComma). */
export function parseList(input: string, options: ListOptions = {}): string[] {
  if (input === '') return [];
  const items: string[] = [];
  for (const record of parseCsv(input, { ...options, relaxQuotes: true })) {
    if (record.length === 1) items.push(...(options.ignoreComma ? record : (record[0] as string).split(',')));
    else if (!options.ignoreComma) items.push(...record);
    else items.push(record.join(','));
  }
  return items
    .filter((item) => item !== '')
    .map((item) => (options.trimWhitespace === false ? item : item.trim()))
    .filter((item) => item !== '');
}

/** @actions/core getInput: the value, trimmed unless told otherwise; '' when absent. */
export function getInput(inputs: StepInputs, name: string, trimWhitespace = true): string {
  const value = inputs[name] ?? '';
  return trimWhitespace ? value.trim() : value;
}

export function getList(inputs: StepInputs, name: string, options: ListOptions = {}): string[] {
  try {
    return parseList(getInput(inputs, name, options.trimWhitespace !== false), options);
  } catch (error) {
    throw new InputError(`input '${name}': ${(error as Error).message}`);
  }
}

/** @actions/core getBooleanInput: YAML 1.2 core-schema booleans only. */
export function getBooleanInput(inputs: StepInputs, name: string): boolean {
  const value = getInput(inputs, name);
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name} (got ${JSON.stringify(value)})\nSupport boolean input list: \`true | True | TRUE | false | False | FALSE\``,
  );
}

/** The actions toolkit's Util.parseBool (Go's strconv.ParseBool spellings). */
export function parseBool(value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new InputError(`parseBool syntax error: ${value}`);
}

export function isBool(value: string): boolean {
  return ['1', 't', 'T', 'true', 'TRUE', 'True', '0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value);
}

/** Splits `key=value` at the first '=' (the tag and attestation parsers' rule); key lowercased by callers that need it. */
export function splitFirst(field: string): [string, string] | [string] {
  const at = field.indexOf('=');
  if (at <= 0) return [field.trim()];
  return [field.slice(0, at).trim(), field.slice(at + 1).trim()];
}

/** Inputs with the action.yml defaults filled in where the step gave none. */
export function withDefaults(inputs: StepInputs, defaults: Record<string, string>): StepInputs {
  const merged: StepInputs = { ...defaults };
  for (const [name, value] of Object.entries(inputs)) merged[name] = value;
  return merged;
}
