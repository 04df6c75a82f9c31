import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiEnv } from '@darkroom/config';
import { DomainError, GrpcCode } from '@darkroom/contracts';
import { CONFIG } from '../platform/tokens';

/** The actor written on ledger rows and price versions made through the token-authenticated admin API. */
export const ADMIN_TOKEN_ACTOR = 'admin-token';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The /admin API, for now: `Authorization: Bearer <ADMIN_API_TOKEN>` (compared in constant time). Without the
 * variable the admin API is off: every call answers FAILED_PRECONDITION.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(CONFIG) private readonly config: Pick<ApiEnv, 'ADMIN_API_TOKEN'>) {}

  canActivate(context: ExecutionContext): boolean {
    const token = this.config.ADMIN_API_TOKEN;
    if (!token) throw DomainError.failedPrecondition('the admin API is not configured (set ADMIN_API_TOKEN)');
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const sent = /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] ?? '';
    if (!timingSafeEqual(digest(sent), digest(token))) {
      throw new DomainError(GrpcCode.UNAUTHENTICATED, 'the admin API needs Authorization: Bearer <ADMIN_API_TOKEN>', [
        { field: 'Authorization', rule: 'unauthenticated', message: 'missing or wrong admin token' },
      ]);
    }
    return true;
  }
}
