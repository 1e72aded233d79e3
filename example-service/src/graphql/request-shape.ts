// The shape of a GraphQL-over-HTTP request, checked before Fastify's schema validation runs:
// that validation coerces (`["{ a }"]` becomes "{ a }", 5 may become "5") and Mercurius treats a
// non-string `query` as a ready-made AST, so a wrong type is refused here, as the client sent it.

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  // numbers and booleans are short: show them
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}

/** What is wrong with the request parameters, or undefined when their types are right. */
export function requestShapeProblem(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return `The request must be a JSON object with a "query" string, got ${describe(params)}`;
  }
  const { query, operationName, variables } = params as Record<string, unknown>;
  if (query !== undefined && typeof query !== 'string') {
    return `"query" must be a string of GraphQL source text, got ${describe(query)}`;
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return `"operationName" must be a string or null, got ${describe(operationName)}`;
  }
  // GET carries variables as a JSON string, POST as an object
  if (
    variables !== undefined &&
    variables !== null &&
    typeof variables !== 'string' &&
    (typeof variables !== 'object' || Array.isArray(variables))
  ) {
    return `"variables" must be an object or null, got ${describe(variables)}`;
  }
  return undefined;
}
