// Input validation for mutations: every problem is collected, nothing is written when any is found.
import { badInput, type FieldProblem } from './errors.ts';

export const ID_RE = /^[1-9][0-9]{0,17}$/;
const ISBN_RE = /^(?:[0-9]{9}[0-9X]|[0-9]{13})$/;

export class Checker {
  readonly problems: FieldProblem[] = [];

  id(field: string, value: unknown): string {
    if (typeof value !== 'string' || !ID_RE.test(value))
      this.problems.push({ field, message: 'must be a positive integer id' });
    return String(value);
  }

  text(field: string, value: unknown, min: number, max: number): string {
    const s = typeof value === 'string' ? value.trim() : '';
    if (typeof value !== 'string' || s.length < min || s.length > max) {
      this.problems.push({
        field,
        message:
          min > 0 ? `must be ${min} to ${max} characters` : `must be at most ${max} characters`,
      });
    }
    return s;
  }

  optionalText(field: string, value: unknown, max: number): string | null {
    if (value === null || value === undefined) return null;
    const s = this.text(field, value, 0, max);
    return s === '' ? null : s;
  }

  isbn(field: string, value: unknown): string | null {
    if (value === null || value === undefined) return null;
    const s = typeof value === 'string' ? value.replace(/[-\s]/g, '').toUpperCase() : '';
    if (!ISBN_RE.test(s)) this.problems.push({ field, message: 'must be an ISBN-10 or ISBN-13' });
    return s;
  }

  intRange(
    field: string,
    value: unknown,
    min: number,
    max: number,
    optional: boolean,
  ): number | null {
    if ((value === null || value === undefined) && optional) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push({
        field,
        message: `must be an integer from ${min} to ${max}`,
      });
    }
    return value as number;
  }

  done(): void {
    if (this.problems.length) throw badInput(this.problems);
  }
}

export function pageArgs(
  first: unknown,
  after: unknown,
  maxPageSize: number,
): { first: number; after: string | null } {
  const c = new Checker();
  c.intRange('first', first, 0, maxPageSize, false);
  const a = after === null || after === undefined ? null : c.id('after', after);
  c.done();
  return { first: first as number, after: a };
}
