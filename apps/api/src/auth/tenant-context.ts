/** Who is calling, as every authenticated handler sees it. */
export interface AuthenticatedTenant {
  tenantId: string;
  queueWeight: number;
  /** The tenant's plan (prices depend on it); job creation checks it again under the tenant's lock. */
  planId: string;
  rateLimitPerSec: number | null;
  /** 'api_key' or 'rsa', and the credential's id (for last-used bookkeeping and audit). */
  method: 'api_key' | 'rsa';
  credentialId: string;
  scopes: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant?: AuthenticatedTenant;
    rawBody?: Buffer;
  }
}
