/**
 * Log masking as actions/runner does it (src/Sdk/DTLogging/Logging/SecretMasker.cs,
 * ValueSecret.cs): every registered value and each of its encodings
 * (value-encoders.ts) is found in the text, overlapping or touching matches
 * merge into one range, and each range becomes `***`. There is no minimum
 * length: the runner masks any non-empty value. Multi-line values are also
 * masked line by line, with this kit's rule for which lines (secret-fragments.ts).
 */
import { secretFragments } from './secret-fragments.js';
import { VALUE_ENCODERS, type ValueEncoder } from './value-encoders.js';

const isMultiLine = (value: string): boolean => /[\r\n]/.test(value);

export class SecretMasker {
  private readonly originals = new Set<string>();
  private readonly secrets = new Set<string>();
  private readonly encoders: readonly ValueEncoder[];

  constructor(values: Iterable<string | undefined> = [], encoders: readonly ValueEncoder[] = VALUE_ENCODERS) {
    this.encoders = encoders;
    for (const value of values) if (value !== undefined) this.add(value);
  }

  /** The runner's AddValue: the value itself and its encodings. Empty values are ignored. */
  addValue(value: string): void {
    if (value === '' || this.originals.has(value)) return;
    this.originals.add(value);
    this.secrets.add(value);
    for (const encode of this.encoders) {
      const encoded = encode(value);
      if (encoded !== '') this.secrets.add(encoded);
    }
  }

  /**
   * What `::add-mask::` registers: the whole value, the trimmed value of a
   * one-line value (the runner registers each trimmed line; of a multi-line
   * value only its secret fragments here) and the secret fragments (what the
   * kit's maskSecret registers too). Returns false for a blank value, which
   * the runner refuses with a warning.
   */
  add(value: string): boolean {
    if (value.trim() === '') return false;
    this.addValue(value);
    if (!isMultiLine(value)) this.addValue(value.trim());
    for (const fragment of secretFragments(value)) this.addValue(fragment);
    return true;
  }

  /** What a secret of the `secrets` context registers: the same, for the trimmed value. */
  addSecret(value: string): boolean {
    return this.add(value.trim());
  }

  /** Every string that is masked (values and encodings), longest first. */
  get values(): string[] {
    return [...this.secrets].sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    if (text === '' || this.secrets.size === 0) return text;
    const ranges: Array<[start: number, end: number]> = [];
    for (const secret of this.secrets) {
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1))
        ranges.push([at, at + secret.length]);
    }
    if (ranges.length === 0) return text;
    ranges.sort((a, b) => a[0] - b[0]);
    let result = '';
    let [start, end] = ranges[0] as [number, number];
    let copied = 0;
    for (const [s, e] of ranges.slice(1)) {
      if (s <= end) {
        end = Math.max(end, e);
        continue;
      }
      result += `${text.slice(copied, start)}***`;
      [copied, start, end] = [end, s, e];
    }
    return `${result}${text.slice(copied, start)}***${text.slice(end)}`;
  }

  /** Masks each line on its own, as the runner scrubs a job summary before upload. */
  maskLines(text: string): string {
    return text
      .split('\n')
      .map((line) => this.mask(line))
      .join('\n');
  }
}
