/**
 * Annotations with one cap. GitHub shows at most 10 error, 10 warning and 10
 * notice annotations per step (and 50 per job); more are dropped without a
 * word (actions/toolkit, docs/problem-matchers.md). So each level is written
 * up to that cap, and one notice says how many were left out and where to
 * find them.
 */
import * as core from '@actions/core';
import { plural } from './plural.js';
import { redact } from './redaction.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationItem {
  level: AnnotationLevel;
  message: string;
  properties?: core.AnnotationProperties;
}

export type AnnotationSink = (level: AnnotationLevel, message: string, properties: core.AnnotationProperties) => void;

export interface AnnotationOptions {
  /** Where the rest can be read, for the closing notice: "the job summary and the report". */
  seeAlso: string;
  /** Per level; default GitHub's per-step limit. */
  cap?: number;
  sink?: AnnotationSink;
}

export const ANNOTATION_CAP = 10;

const coreSink: AnnotationSink = (level, message, properties) => core[level](message, properties);

// Annotations are shown outside the log too (the run page, the checks API): redacted like every other channel.
function redacted(properties: core.AnnotationProperties): core.AnnotationProperties {
  const copy = { ...properties };
  if (copy.title !== undefined) copy.title = redact(copy.title);
  if (copy.file !== undefined) copy.file = redact(copy.file);
  return copy;
}

/** Writes the items in order, at most `cap` of each level; returns how many were left out. */
export function writeAnnotations(items: readonly AnnotationItem[], options: AnnotationOptions): number {
  const { cap = ANNOTATION_CAP, sink = coreSink } = options;
  const written: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  let left = 0;
  for (const item of items) {
    if (written[item.level] >= cap) {
      left++;
      continue;
    }
    written[item.level]++;
    sink(item.level, redact(item.message), redacted(item.properties ?? {}));
  }
  if (left > 0)
    sink(
      'notice',
      `${plural(left, 'more annotation')} not shown (GitHub shows ${cap} of each level per step); see ${options.seeAlso}.`,
      {},
    );
  return left;
}
