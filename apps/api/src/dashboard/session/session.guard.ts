import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseCookies, SESSION_COOKIE } from './cookies';
import { DashboardSession, DashboardUser, revokedSessionKey } from './dashboard-session';
import { csrfTokenMatches, verifySession } from './session-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Dashboard routes: a valid session cookie (signed, unexpired, not signed out, user still there), and on every
 * state-changing method the CSRF token of that session in the x-csrf-token header (signed double submit).
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    req.dashboard = await this.authenticate(req);
    return true;
  }

  private async authenticate(req: FastifyRequest): Promise<DashboardSession> {
    const { sessionKey, redis, prisma, config } = this.platform;
    const cookieValue = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    const claims = verifySession(sessionKey, cookieValue);
    if (!claims || !cookieValue) throw DomainError.unauthenticated('sign in first (no valid session)');
    if (await redis.exists(revokedSessionKey(config.REDIS_PREFIX, claims.nonce))) throw DomainError.unauthenticated('this session was signed out');
    const row = await prisma.user.findUnique({ where: { id: claims.userId }, select: { id: true, email: true, role: true, tenantId: true } });
    if (!row) throw DomainError.unauthenticated('this account no longer exists');
    if (!SAFE_METHODS.has(req.method) && !csrfTokenMatches(sessionKey, cookieValue, headerValue(req.headers[CSRF_HEADER]))) {
      throw DomainError.permissionDenied('missing or wrong CSRF token (send the dr_csrf cookie value as x-csrf-token)', [
        { field: CSRF_HEADER, rule: 'csrf', message: 'missing or wrong CSRF token' },
      ]);
    }
    const user: DashboardUser = { id: row.id, email: row.email, role: row.role, tenantId: row.tenantId };
    return { user, claims, cookieValue };
  }
}

/** Admin pages: a signed-in user whose role is ADMIN (use after SessionGuard). */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const session = context.switchToHttp().getRequest<FastifyRequest>().dashboard;
    if (session?.user.role !== 'ADMIN') throw DomainError.permissionDenied('admins only');
    return true;
  }
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export const CurrentSession = createParamDecorator((_: unknown, ctx: ExecutionContext): DashboardSession => {
  const session = ctx.switchToHttp().getRequest<FastifyRequest>().dashboard;
  if (!session) throw new Error('CurrentSession used on a route without SessionGuard');
  return session;
});
