import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseCookies, SESSION_COOKIE } from './cookies';
import { DashboardSession, DashboardUser, revokedSessionKey } from './dashboard-session';
import { ALLOWED_WHILE_IMPERSONATING, verifyViewAs, VIEW_AS_COOKIE } from './impersonation';
import { csrfTokenMatches, verifySession } from './session-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Dashboard routes: a valid session cookie (signed, unexpired, not signed out, user still there), and on every
 * state-changing method the CSRF token of that session in the x-csrf-token header (signed double submit).
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(DashboardPlatform) private readonly platform: DashboardPlatform,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const session = await this.authenticate(req);
    if (session.impersonating && !SAFE_METHODS.has(req.method) && !this.reflector.getAllAndOverride<boolean>(ALLOWED_WHILE_IMPERSONATING, [context.getHandler(), context.getClass()])) {
      throw DomainError.permissionDenied('read-only: you are viewing this tenant as an admin; end the view to make changes');
    }
    req.dashboard = session;
    return true;
  }

  private async authenticate(req: FastifyRequest): Promise<DashboardSession> {
    const { sessionKey, redis, prisma, config } = this.platform;
    const cookies = parseCookies(req.headers.cookie);
    const cookieValue = cookies[SESSION_COOKIE];
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
    const viewAs = row.role === 'ADMIN' ? verifyViewAs(sessionKey, cookieValue, cookies[VIEW_AS_COOKIE]) : null;
    const impersonating = viewAs && viewAs !== row.tenantId ? { tenantId: viewAs, homeTenantId: row.tenantId } : null;
    const user: DashboardUser = { id: row.id, email: row.email, role: row.role, tenantId: impersonating?.tenantId ?? row.tenantId };
    return { user, claims, cookieValue, impersonating };
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
