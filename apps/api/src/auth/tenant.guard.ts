import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from './authenticator';
import { TenantRateLimiter } from './rate-limiter';
import type { AuthenticatedTenant } from './tenant-context';

/** Authenticates the caller (API key or RSA signature), then applies the tenant's rate limit. */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(TenantRateLimiter) private readonly limiter: TenantRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const tenant = await this.auth.authenticate(req.headers.authorization, { method: req.method, url: req.url, body: req.rawBody });
    await this.limiter.consume(tenant.tenantId, tenant.rateLimitPerSec);
    req.tenant = tenant;
    return true;
  }
}

export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthenticatedTenant => {
  const tenant = ctx.switchToHttp().getRequest<FastifyRequest>().tenant;
  if (!tenant) throw new Error('CurrentTenant used on a route without TenantGuard');
  return tenant;
});
