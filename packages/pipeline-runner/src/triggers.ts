/**
 * Would GitHub start the caller workflow for this event? The caller's `on:`
 * (as GitHub's parser reads it) against the event, its ref and the changed
 * files, with GitHub's rules: branch and tag filters of push, base-branch
 * filters and activity types of pull_request, path filters that must hold
 * as well (and are not evaluated for tag pushes).
 */
import type { EventsConfig } from '@actions/workflow-parser/model/workflow-template';
import { matchPatterns } from './filter-patterns.js';

export interface TriggerFacts {
  event: string;
  /** refs/heads/<branch>, refs/tags/<tag> or refs/pull/<n>/merge. */
  ref: string;
  /** pull_request: the branch the pull request targets (the one branch filters match). */
  baseRef?: string;
  /** pull_request: the activity type (opened, synchronize...). */
  action?: string;
  /** Files the push or pull request changes, relative to the repository root. */
  changedFiles: readonly string[];
  /** How changedFiles was computed, for the message (e.g. "develop~1..develop"). */
  changedFrom: string;
}

export type TriggerDecision = { triggered: true; why: string } | { triggered: false; reason: string };

interface Filters {
  branches?: string[];
  'branches-ignore'?: string[];
  tags?: string[];
  'tags-ignore'?: string[];
  paths?: string[];
  'paths-ignore'?: string[];
  types?: string[];
}

/** Activity types a pull_request workflow runs for when `types` is not given. */
export const DEFAULT_PULL_REQUEST_TYPES = ['opened', 'synchronize', 'reopened'];

const quoted = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/** Control characters of branch and file names shown as \xNN, so that no name can start a line of its own (a workflow command). */
export const inert = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export function triggerDecision(events: EventsConfig, facts: TriggerFacts): TriggerDecision {
  const decision = decide(events, facts);
  return decision.triggered
    ? { triggered: true, why: inert(decision.why) }
    : { triggered: false, reason: inert(decision.reason) };
}

function decide(events: EventsConfig, facts: TriggerFacts): TriggerDecision {
  const declared = Object.keys(events);
  if (!(facts.event in events)) {
    return {
      triggered: false,
      reason: `on: has no '${facts.event}' event (it has ${declared.join(', ') || 'none'})`,
    };
  }
  const filters = (events[facts.event] ?? {}) as Filters;
  const refCheck =
    facts.event === 'push'
      ? pushRefCheck(filters, facts.ref)
      : facts.event === 'pull_request' || facts.event === 'pull_request_target'
        ? pullRequestCheck(filters, facts)
        : undefined;
  if (refCheck && !refCheck.triggered) return refCheck;
  // Path filters are not evaluated for pushes of tags.
  const isTagPush = facts.event === 'push' && facts.ref.startsWith('refs/tags/');
  const pathCheck = isTagPush ? undefined : pathsCheck(filters, facts);
  if (pathCheck && !pathCheck.triggered) return pathCheck;
  const why = [`on.${facts.event}`, refCheck?.why, pathCheck?.why].filter((w) => w !== undefined && w !== '');
  return { triggered: true, why: why.join('; ') };
}

function includeCheck(kind: string, name: string, include?: string[], ignore?: string[]): TriggerDecision {
  if (include) {
    const m = matchPatterns(include, name);
    return m.matched
      ? { triggered: true, why: `${kind} '${name}' matches '${m.pattern}'` }
      : {
          triggered: false,
          reason: m.pattern
            ? `${kind} '${name}' is excluded by '${m.pattern}' in ${kind === 'branch' ? 'branches' : 'tags'}: [${quoted(include)}]`
            : `${kind} '${name}' matches none of ${kind === 'branch' ? 'branches' : 'tags'}: [${quoted(include)}]`,
        };
  }
  if (ignore) {
    const m = matchPatterns(ignore, name);
    return m.matched
      ? {
          triggered: false,
          reason: `${kind} '${name}' matches '${m.pattern}' in ${kind === 'branch' ? 'branches' : 'tags'}-ignore`,
        }
      : { triggered: true, why: `${kind} '${name}' is not ignored` };
  }
  return { triggered: true, why: '' };
}

function pushRefCheck(filters: Filters, ref: string): TriggerDecision {
  const hasBranchFilter = filters.branches !== undefined || filters['branches-ignore'] !== undefined;
  const hasTagFilter = filters.tags !== undefined || filters['tags-ignore'] !== undefined;
  const tag = /^refs\/tags\/(.+)$/.exec(ref)?.[1];
  const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
  if (tag !== undefined) {
    // Only branch filters: a tag push does not trigger (and vice versa below).
    if (hasBranchFilter && !hasTagFilter)
      return {
        triggered: false,
        reason: `on.push has branch filters and no tag filter, so a push of tag '${tag}' does not trigger`,
      };
    return includeCheck('tag', tag, filters.tags, filters['tags-ignore']);
  }
  if (branch === undefined) return { triggered: false, reason: `a push needs a branch or tag ref, got '${ref}'` };
  if (hasTagFilter && !hasBranchFilter)
    return {
      triggered: false,
      reason: `on.push has tag filters and no branch filter, so a push to branch '${branch}' does not trigger`,
    };
  return includeCheck('branch', branch, filters.branches, filters['branches-ignore']);
}

function pullRequestCheck(filters: Filters, facts: TriggerFacts): TriggerDecision {
  const action = facts.action ?? 'opened';
  const types = filters.types ?? DEFAULT_PULL_REQUEST_TYPES;
  if (!types.includes(action))
    return {
      triggered: false,
      reason: `activity type '${action}' is not in on.${facts.event}.types: [${quoted(types)}]${filters.types ? '' : ' (the default)'}`,
    };
  const base = facts.baseRef ?? '';
  const check = includeCheck('branch', base, filters.branches, filters['branches-ignore']);
  if (!check.triggered) return { triggered: false, reason: `base ${check.reason}` };
  return { triggered: true, why: check.why ? `base ${check.why}` : '' };
}

function pathsCheck(filters: Filters, facts: TriggerFacts): TriggerDecision | undefined {
  const files = facts.changedFiles;
  const changed = `${files.length} changed file${files.length === 1 ? '' : 's'} (${facts.changedFrom})`;
  if (filters.paths) {
    for (const file of files) {
      const m = matchPatterns(filters.paths, file);
      if (m.matched) return { triggered: true, why: `changed file '${file}' matches paths '${m.pattern}'` };
    }
    return {
      triggered: false,
      reason: `none of the ${changed} matches paths: [${quoted(filters.paths)}]${sample(files)}`,
    };
  }
  const ignore = filters['paths-ignore'];
  if (ignore) {
    const kept = files.find((file) => !matchPatterns(ignore, file).matched);
    if (kept !== undefined) return { triggered: true, why: `changed file '${kept}' is not in paths-ignore` };
    return {
      triggered: false,
      reason: `all of the ${changed} match paths-ignore: [${quoted(ignore)}]${sample(files)}`,
    };
  }
  return undefined;
}

function sample(files: readonly string[]): string {
  if (files.length === 0) return '';
  const shown = files.slice(0, 5).join(', ');
  return `: ${shown}${files.length > 5 ? `, … (${files.length - 5} more)` : ''}`;
}
