// Size of a document once every fragment spread is inlined, computed without inlining anything.
//
// Each fragment is summarised once (its own selections, and how many times it spreads each other
// fragment), then sizes are combined over the fragment graph, each fragment resolved once
// (memoised). So the work is linear in the document even when the expansion is exponential: a
// fragment that spreads the next one twice, 22 deep, is under 1 KB and expands to 2^22 selections.
// The depth and cost rules walk the expanded tree, so this runs before them (and before the spec
// rules), and their work is bounded by the same budget.
import {
  GraphQLError,
  Kind,
  Location,
  type DefinitionNode,
  type DocumentNode,
  type SelectionSetNode,
} from 'graphql';

interface Summary {
  /** Selections (fields, inline fragments, spreads) written in the body, at every level. */
  own: number;
  /** Fragment name -> how many times the body spreads it. */
  spreads: Map<string, number>;
}

const CAP = Number.MAX_SAFE_INTEGER;

/** Iterative (no recursion): a deeply nested body cannot overflow the stack here. */
function summarise(root: SelectionSetNode): Summary {
  const spreads = new Map<string, number>();
  let own = 0;
  const stack: SelectionSetNode[] = [root];
  for (let set = stack.pop(); set; set = stack.pop()) {
    for (const sel of set.selections) {
      own += 1;
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        spreads.set(sel.name.value, (spreads.get(sel.name.value) ?? 0) + 1);
      } else if (sel.selectionSet) {
        stack.push(sel.selectionSet);
      }
    }
  }
  return { own, spreads };
}

/**
 * Expanded size of every fragment reachable from `start`, memoised in `sizes`. A spread of an
 * unknown fragment, or one that closes a cycle, counts 0 here: the spec rules
 * (KnownFragmentNames, NoFragmentCycles) report those.
 */
function resolve(
  start: string,
  summaries: Map<string, Summary>,
  sizes: Map<string, number>,
  active: Set<string>,
): void {
  const stack = [start];
  while (stack.length > 0) {
    const name = stack[stack.length - 1];
    const summary = summaries.get(name);
    if (sizes.has(name) || !summary) {
      if (!summary) sizes.set(name, 0);
      stack.pop();
      continue;
    }
    if (!active.has(name)) {
      active.add(name);
      for (const child of summary.spreads.keys()) {
        if (!sizes.has(child) && !active.has(child)) stack.push(child);
      }
      continue;
    }
    // Every child is resolved now, or is an ancestor (a cycle).
    let total = summary.own;
    for (const [child, times] of summary.spreads) total += times * (sizes.get(child) ?? 0);
    sizes.set(name, Math.min(total, CAP));
    active.delete(name);
    stack.pop();
  }
}

/** Selections in all operations of the document once fragments are inlined (capped at 2^53-1). */
export function expandedSelections(document: DocumentNode): number {
  const summaries = new Map<string, Summary>();
  const operations: Summary[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) {
      if (!summaries.has(def.name.value))
        summaries.set(def.name.value, summarise(def.selectionSet));
    } else if (def.kind === Kind.OPERATION_DEFINITION) {
      operations.push(summarise(def.selectionSet));
    }
  }
  const sizes = new Map<string, number>();
  const active = new Set<string>();
  let total = 0;
  for (const op of operations) {
    total += op.own;
    for (const [name, times] of op.spreads) {
      resolve(name, summaries, sizes, active);
      total += times * (sizes.get(name) ?? 0);
    }
  }
  return Math.min(total, CAP);
}

/**
 * Mercurius also accepts a JSON AST (a non-string `query`, or a string that is not GraphQL but is
 * JSON). Such a "document" skips the parser's checks and can crash the rules, so only what
 * graphql's parser produced is let through: it sets a Location on the document.
 */
export function isParsedDocument(document: unknown): document is DocumentNode {
  if (typeof document !== 'object' || document === null) return false;
  const doc = document as { kind?: unknown; loc?: unknown; definitions?: unknown };
  return (
    doc.kind === Kind.DOCUMENT &&
    doc.loc instanceof Location &&
    Array.isArray(doc.definitions) &&
    (doc.definitions as DefinitionNode[]).every((d) => d.loc instanceof Location)
  );
}

/** The error for a document over the budget, or undefined when it is within. */
export function selectionBudgetError(
  document: DocumentNode,
  maxSelections: number,
): GraphQLError | undefined {
  const selections = expandedSelections(document);
  if (selections <= maxSelections) return undefined;
  return new GraphQLError(
    `Query is too complex: it expands to ${selections} selections once fragments are inlined, ` +
      `more than the limit of ${maxSelections}`,
    { extensions: { code: 'QUERY_TOO_COMPLEX', selections, maxSelections } },
  );
}
