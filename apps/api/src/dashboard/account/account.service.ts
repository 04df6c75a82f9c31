import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { DomainError, GrpcCode } from '@darkroom/contracts';
import { grantCredits } from '@darkroom/credits';
import { generateWebhookSecret } from '@darkroom/webhooks';
import type { MeResponse, SignInRequest } from '@darkroom/contracts';
import { signInRequestSchema, signUpRequestSchema } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import { tenantSummary, userView } from '../dashboard.views';
import { revokedSessionKey } from '../session/dashboard-session';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../session/password';
import { csrfTokenFor, SessionClaims } from '../session/session-token';

/** The plan new tenants start on. */
export const SIGNUP_PLAN = 'free';
/** Failed sign-ins allowed per email in SIGNIN_WINDOW_SEC before the email is locked for the rest of the window. */
export const SIGNIN_ATTEMPTS = 10;
const SIGNIN_WINDOW_SEC = 15 * 60;

const monthOf = (at: Date) => `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
/** The monthly plan grant's idempotency key for this month, so that the month's included credits are granted once. */
const firstMonthGrantKey = (tenantId: string) => `plan-grant:${tenantId}:${monthOf(new Date())}`;

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === 'P2002';

/** Sign-up, sign-in, sign-out and "who am I" of the dashboard. */
@Injectable()
export class AccountService {
  private throttle?: RateLimiterRedis;

  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  /** A new tenant on the free plan, its owner, and this month's included credits of the plan (so that it can try a job). */
  async signUp(body: unknown): Promise<{ userId: string }> {
    const input = parseOrThrow(signUpRequestSchema, body);
    const { prisma } = this.platform;
    const plan = await prisma.plan.findUnique({ where: { id: SIGNUP_PLAN } });
    if (!plan) throw DomainError.failedPrecondition(`sign-up is not available: the "${SIGNUP_PLAN}" plan is not set up`);
    const passwordHash = await hashPassword(input.password);
    try {
      const user = await prisma.$transaction(async (tx) => {
        const tenant = await tx.tenant.create({ data: { name: input.tenantName, planId: plan.id, webhookSecret: generateWebhookSecret() } });
        const owner = await tx.user.create({ data: { email: input.email, passwordHash, role: 'TENANT_OWNER', tenantId: tenant.id, lastLoginAt: new Date() } });
        const included = Number(plan.monthlyCredits);
        if (included > 0) await grantCredits(tx, tenant.id, included, `${plan.name} plan: included credits for ${monthOf(new Date())}`, firstMonthGrantKey(tenant.id));
        return owner;
      });
      return { userId: user.id };
    } catch (e) {
      if (isUniqueViolation(e)) throw DomainError.alreadyExists('an account with this email exists; sign in instead', [{ field: 'email', rule: 'already_exists', message: 'is already registered' }]);
      throw e;
    }
  }

  async signIn(body: unknown): Promise<{ userId: string }> {
    const input: SignInRequest = parseOrThrow(signInRequestSchema, body);
    const throttle = this.signInThrottle();
    const key = input.email;
    const seen = await throttle.get(key);
    if (seen && seen.remainingPoints <= 0) {
      const retry = Math.max(1, Math.ceil(seen.msBeforeNext / 1000));
      throw DomainError.resourceExhausted(`too many failed sign-ins for this email; try again in ${Math.ceil(retry / 60)} min`, { 'retry-after': String(retry) });
    }
    const user = await this.platform.prisma.user.findUnique({ where: { email: input.email } });
    const ok = user ? await verifyPassword(user.passwordHash, input.password) : (await burnPasswordCheck(input.password), false);
    if (!user || !ok) {
      await throttle.penalty(key, 1).catch(() => undefined);
      throw new DomainError(GrpcCode.UNAUTHENTICATED, 'wrong email or password', [{ field: 'password', rule: 'unauthenticated', message: 'wrong email or password' }]);
    }
    await throttle.delete(key).catch(() => false);
    await this.platform.prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    return { userId: user.id };
  }

  /** Puts the session on the deny list until it would have expired anyway. */
  async signOut(claims: SessionClaims): Promise<void> {
    const ttl = claims.expiresAt - Math.floor(Date.now() / 1000);
    if (ttl > 0) await this.platform.redis.set(revokedSessionKey(this.platform.config.REDIS_PREFIX, claims.nonce), '1', 'EX', ttl);
  }

  /** Who is signed in, and the tenant the dashboard shows: their own, or the one an admin views read-only. */
  async me(userId: string, cookieValue: string, viewedTenantId?: string): Promise<MeResponse> {
    const { prisma, sessionKey } = this.platform;
    const user = await prisma.user.findUnique({ where: { id: userId }, include: { tenant: { include: { plan: true } } } });
    if (!user) throw DomainError.unauthenticated('this account no longer exists');
    const viewed = viewedTenantId && viewedTenantId !== user.tenantId ? await prisma.tenant.findUnique({ where: { id: viewedTenantId }, include: { plan: true } }) : null;
    const tenant = viewed ?? user.tenant;
    return {
      user: userView(user),
      tenant: tenantSummary(tenant),
      csrfToken: csrfTokenFor(sessionKey, cookieValue),
      impersonating: viewed ? { tenantId: viewed.id, tenantName: viewed.name } : null,
    };
  }

  private signInThrottle(): RateLimiterRedis {
    this.throttle ??= new RateLimiterRedis({
      storeClient: this.platform.redis,
      keyPrefix: `${this.platform.config.REDIS_PREFIX}:dash:signin`,
      points: SIGNIN_ATTEMPTS,
      duration: SIGNIN_WINDOW_SEC,
    });
    return this.throttle;
  }
}
