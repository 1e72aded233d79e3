/**
 * moment-timezone's `format()` for the tokens date-based image tags use
 * ({{date 'YYYYMMDD-HHmmss' tz='Europe/Paris'}}). A token this subset does
 * not know is an error naming it, never a silently different tag.
 */
import { InputError } from './types.js';

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Minutes east of UTC. */
  offset: number;
  epochMs: number;
}

function partsIn(date: Date, timeZone: string): Parts {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const get = (type: string): number => Number(format.formatToParts(date).find((p) => p.type === type)?.value ?? '0');
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const epochSeconds = Math.floor(date.getTime() / 1000) * 1000;
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    ms: date.getUTCMilliseconds(),
    offset: Math.round((local - epochSeconds) / 60000),
    epochMs: date.getTime(),
  };
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}${colon ? ':' : ''}${pad(Math.abs(minutes) % 60)}`;
}

function dayOfYear(p: Parts): number {
  return Math.round((Date.UTC(p.year, p.month - 1, p.day) - Date.UTC(p.year, 0, 1)) / 86400000) + 1;
}

const TOKENS: Record<string, (p: Parts) => string> = {
  YYYY: (p) => pad(p.year, 4),
  YY: (p) => pad(p.year % 100),
  MM: (p) => pad(p.month),
  M: (p) => String(p.month),
  DDDD: (p) => pad(dayOfYear(p), 3),
  DDD: (p) => String(dayOfYear(p)),
  DD: (p) => pad(p.day),
  D: (p) => String(p.day),
  HH: (p) => pad(p.hour),
  H: (p) => String(p.hour),
  hh: (p) => pad(p.hour % 12 || 12),
  h: (p) => String(p.hour % 12 || 12),
  mm: (p) => pad(p.minute),
  m: (p) => String(p.minute),
  ss: (p) => pad(p.second),
  s: (p) => String(p.second),
  SSS: (p) => pad(p.ms, 3),
  SS: (p) => pad(Math.floor(p.ms / 10)),
  S: (p) => String(Math.floor(p.ms / 100)),
  A: (p) => (p.hour < 12 ? 'AM' : 'PM'),
  a: (p) => (p.hour < 12 ? 'am' : 'pm'),
  ZZ: (p) => offsetText(p.offset, false),
  Z: (p) => offsetText(p.offset, true),
  X: (p) => String(Math.floor(p.epochMs / 1000)),
  x: (p) => String(p.epochMs),
};

// Longest first, the way moment's token regex matches; other letters moment knows are refused.
const TOKEN_RE =
  /\[([^\]]*)\]|(MMMM|MMM)|YYYY|YY|MM|M|DDDD|DDD|DD|D|HH|H|hh|h|mm|m|ss|s|SSS|SS|S|A|a|ZZ|Z|X|x|([A-Za-z])/g;
const MOMENT_LETTERS = new Set('QdeEGgWwYkNnLlo'.split(''));

/** The date formatted in the time zone (IANA name, default UTC). */
export function formatDate(date: Date, format: string, timeZone = 'UTC'): string {
  let parts: Parts;
  try {
    parts = partsIn(date, timeZone);
  } catch {
    throw new InputError(
      `date: unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as UTC or Europe/Paris`,
    );
  }
  return format.replace(
    TOKEN_RE,
    (token: string, literal: string | undefined, monthName: string | undefined, letter: string | undefined) => {
      if (literal !== undefined) return literal;
      if (monthName !== undefined)
        throw new InputError(
          `date format ${JSON.stringify(format)}: token '${monthName}' is not supported by the local emulation`,
        );
      if (letter !== undefined) {
        if (MOMENT_LETTERS.has(letter))
          throw new InputError(
            `date format ${JSON.stringify(format)}: token '${letter}' is not supported by the local emulation`,
          );
        return letter;
      }
      return (TOKENS[token] as (p: Parts) => string)(parts);
    },
  );
}
