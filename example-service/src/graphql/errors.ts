import { GraphQLError } from 'graphql';

/** Codes whose messages are written for clients and may be shown as they are. */
export const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'QUERY_TOO_DEEP',
  'QUERY_TOO_COSTLY',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'PAYLOAD_TOO_LARGE',
  'BAD_REQUEST',
]);

export interface FieldProblem {
  field: string;
  message: string;
}

export function badInput(problems: FieldProblem[]): GraphQLError {
  const msg = `Invalid input: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`;
  return new GraphQLError(msg, {
    extensions: { code: 'BAD_USER_INPUT', fields: problems },
  });
}

export function notFound(what: string, id: string): GraphQLError {
  return new GraphQLError(`${what} ${id} not found`, {
    extensions: { code: 'NOT_FOUND' },
  });
}

const UNAVAILABLE_MESSAGE = new RegExp(
  [
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error',
    'connect ECONNREFUSED',
    'Query read timeout',
  ].join('|'),
  'i',
);

/** Errors from the pg driver or the network that mean "try again", not "bug". */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code ?? '';
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/.test(code) ||
    /^(57P0[1-3]|08\d\d\d|53300|57014)$/.test(code) ||
    UNAVAILABLE_MESSAGE.test(err.message)
  );
}
