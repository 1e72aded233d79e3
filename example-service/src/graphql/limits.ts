// Query depth and cost limits as GraphQL validation rules (run once per distinct query
// document; Mercurius caches the validated document).
//
// Cost: every field costs 1; a list field multiplies the cost of its selection by its page
// size (`first`, or its default, or MAX_PAGE_SIZE when given by a variable). So
// authors(first: 10) { books(first: 10) { title } } costs 10 * (1 + 10 * 1) + ... .
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getNamedType,
  getNullableType,
  isListType,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  isObjectType,
  isInterfaceType,
  type GraphQLObjectType,
} from 'graphql';

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let max = 0;
      for (const sel of set.selections) {
        let d: number;
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          d = sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 1;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          d = depthOf(sel.selectionSet, seen);
        } else {
          const name = sel.name.value;
          if (seen.has(name)) continue; // cycles are reported by the spec's NoFragmentCycles rule
          const frag = fragments.get(name);
          d = frag ? depthOf(frag.selectionSet, new Set([...seen, name])) : 0;
        }
        if (d > max) max = d;
        if (max > maxDepth) return max;
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Query is too deep: depth ${depth} exceeds the limit of ${maxDepth}`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth },
            }),
          );
        }
      },
    };
  };
}

export function costLimitRule(maxCost: number, maxPageSize: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }

    const pageSize = (
      node: FieldNode,
      field: GraphQLField<unknown, unknown> | undefined,
    ): number => {
      const arg = node.arguments?.find((a) => a.name.value === 'first');
      if (arg?.value.kind === Kind.INT)
        return Math.max(0, Math.min(Number(arg.value.value), maxPageSize));
      if (arg) return maxPageSize; // a variable: assume the worst
      const def = field?.args.find((a) => a.name === 'first')?.defaultValue;
      return typeof def === 'number' ? Math.min(def, maxPageSize) : maxPageSize;
    };

    const costOf = (
      set: SelectionSetNode | undefined,
      parent: GraphQLObjectType | undefined,
      seen: Set<string>,
    ): number => {
      if (!set) return 0;
      let total = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) {
            total += 1;
            continue;
          }
          const field = parent?.getFields()[sel.name.value];
          const type: GraphQLOutputType | undefined = field?.type;
          const named = type ? getNamedType(type) : undefined;
          const child =
            named && (isObjectType(named) || isInterfaceType(named))
              ? (named as GraphQLObjectType)
              : undefined;
          const inner = costOf(sel.selectionSet, child, seen);
          const list = type ? isListType(getNullableType(type)) : false;
          total += list ? pageSize(sel, field) * Math.max(1, inner) : 1 + inner;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
          total += costOf(sel.selectionSet, cond && isObjectType(cond) ? cond : parent, seen);
        } else {
          const name = sel.name.value;
          if (seen.has(name)) continue;
          const frag = fragments.get(name);
          if (!frag) continue;
          const cond = schema.getType(frag.typeCondition.name.value);
          total += costOf(
            frag.selectionSet,
            cond && isObjectType(cond) ? cond : parent,
            new Set([...seen, name]),
          );
        }
        if (total > maxCost * 1000) return total; // stop runaway documents early
      }
      return total;
    };

    return {
      OperationDefinition(node) {
        const root =
          node.operation === OperationTypeNode.QUERY
            ? schema.getQueryType()
            : node.operation === OperationTypeNode.MUTATION
              ? schema.getMutationType()
              : schema.getSubscriptionType();
        const cost = costOf(node.selectionSet, root ?? undefined, new Set());
        if (cost > maxCost) {
          context.reportError(
            new GraphQLError(`Query is too costly: cost ${cost} exceeds the limit of ${maxCost}`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost },
            }),
          );
        }
      },
    };
  };
}
