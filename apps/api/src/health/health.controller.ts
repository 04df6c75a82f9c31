import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import type { PrismaClient } from '@darkroom/db';
import { PRISMA, REDIS } from '../platform/tokens';

@Controller()
export class HealthController {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: Postgres and Redis answer within a second. */
  @Get('readyz')
  async readyz(@Res() reply: FastifyReply) {
    const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 1000))]);
    const [postgres, redis] = await Promise.all([
      within(this.prisma.$queryRaw`SELECT 1`).then(() => 'ok', (e: Error) => `down: ${e.message}`),
      within(this.redis.ping()).then(() => 'ok', (e: Error) => `down: ${e.message}`),
    ]);
    const ok = postgres === 'ok' && redis === 'ok';
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', postgres, redis });
  }
}
