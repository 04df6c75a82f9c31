export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

export const jsonBody = (id: string) => ({ required: true, content: { 'application/json': { schema: ref(id) } } });

const ERRORS: Record<string, string> = {
  '400': 'INVALID_ARGUMENT or FAILED_PRECONDITION: details name each offending field',
  '401': 'UNAUTHENTICATED: missing or bad credentials',
  '403': 'PERMISSION_DENIED',
  '404': 'NOT_FOUND',
  '409': 'ALREADY_EXISTS: requestId used before with a different body',
  '429': 'RESOURCE_EXHAUSTED: rate limit or credits',
  '500': 'INTERNAL: the message carries an error id',
  '503': 'UNAVAILABLE',
};

/** Error answers by HTTP status, all with the gRPC-shaped error body. */
export function errorResponses(statuses: string[]): Record<string, unknown> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: ERRORS[s] ?? 'error', content: { 'application/json': { schema: ref('ApiError') } } }]),
  );
}
