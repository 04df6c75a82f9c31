import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { DomainError } from '@darkroom/contracts';
import type { RotateWebhookSecretResponse, WebhookDeliveryResponse, WebhookDeliveryView, WebhooksResponse } from '@darkroom/contracts';
import { webhookDeliveriesQuerySchema } from '@darkroom/contracts';
import type { Prisma, WebhookDelivery } from '@darkroom/db';
import { DEFAULT_RETRY_DELAYS_MS, generateWebhookSecret } from '@darkroom/webhooks';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import type { DashboardUser } from '../session/dashboard-session';
import { assertCanManageTenant } from '../session/roles';
import { RetryOutcome, WebhookRetryQueue } from './webhook-retry-queue';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** "whsec_…Ab3x": enough to tell secrets apart, useless to sign with. */
export const secretHint = (secret: string) => `whsec_…${secret.slice(-4)}`;

/**
 * When a pending delivery's next automatic attempt is due: its last attempt (the row's updatedAt) plus the wait
 * after that attempt. null before the first attempt (queued now), after the last, and once it finished.
 */
export function nextAttemptAt(d: Pick<WebhookDelivery, 'status' | 'attempts' | 'updatedAt'>, delaysMs: readonly number[]): Date | null {
  if (d.status !== 'PENDING' || d.attempts === 0 || d.attempts > delaysMs.length) return null;
  return new Date(d.updatedAt.getTime() + delaysMs[d.attempts - 1]);
}

/** The tenant's webhooks: the signing secret (rotate; shown once), the delivery log with attempts, and "retry now". */
@Injectable()
export class WebhooksService implements OnModuleDestroy {
  private retryQueue?: WebhookRetryQueue;

  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  private get delays(): readonly number[] {
    return this.platform.config.WEBHOOK_RETRY_DELAYS_MS ?? DEFAULT_RETRY_DELAYS_MS;
  }

  private view(d: WebhookDelivery): WebhookDeliveryView {
    return {
      id: d.id,
      messageId: d.messageId,
      jobId: d.jobId.toString(),
      url: d.url,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      maxAttempts: this.delays.length + 1,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      createdAt: d.createdAt.toISOString(),
      deliveredAt: d.deliveredAt?.toISOString() ?? null,
      nextAttemptAt: nextAttemptAt(d, this.delays)?.toISOString() ?? null,
    };
  }

  async list(user: DashboardUser, query: unknown): Promise<WebhooksResponse> {
    const q = parseOrThrow(webhookDeliveriesQuerySchema, query);
    const { prisma } = this.platform;
    const where: Prisma.WebhookDeliveryWhereInput = { tenantId: user.tenantId };
    if (q.status) where.status = q.status;
    if (q.before) where.createdAt = { lt: new Date(q.before) };
    const [tenant, rows] = await Promise.all([
      prisma.tenant.findUniqueOrThrow({ where: { id: user.tenantId }, select: { webhookSecret: true } }),
      prisma.webhookDelivery.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: q.limit + 1 }),
    ]);
    const page = rows.slice(0, q.limit);
    return {
      secretHint: secretHint(tenant.webhookSecret),
      retryDelaysMs: [...this.delays],
      deliveries: page.map((d) => this.view(d)),
      nextBefore: rows.length > q.limit ? page[page.length - 1].createdAt.toISOString() : null,
    };
  }

  async get(user: DashboardUser, deliveryId: string): Promise<WebhookDeliveryResponse> {
    const d = await this.find(user, deliveryId);
    const attempts = await this.platform.prisma.webhookAttempt.findMany({ where: { deliveryId: d.id }, orderBy: [{ attempt: 'asc' }, { id: 'asc' }] });
    return {
      delivery: this.view(d),
      attempts: attempts.map((a) => ({ attempt: a.attempt, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs, createdAt: a.createdAt.toISOString() })),
      payload: d.payload,
    };
  }

  /** Sends a failed or waiting delivery now, through the platform's webhook queue. */
  async retry(user: DashboardUser, deliveryId: string): Promise<{ delivery: WebhookDeliveryView; outcome: RetryOutcome }> {
    assertCanManageTenant(user);
    const { prisma, config, webhooks } = this.platform;
    const d = await this.find(user, deliveryId);
    if (d.status === 'SUCCEEDED') throw DomainError.failedPrecondition('this delivery succeeded already; nothing to retry', [{ field: 'deliveryId', rule: 'succeeded', message: 'was delivered' }]);
    if (d.status === 'FAILED') await prisma.webhookDelivery.updateMany({ where: { id: d.id, status: 'FAILED' }, data: { status: 'PENDING' } });
    this.retryQueue ??= new WebhookRetryQueue(webhooks, config.REDIS_URL, `${config.REDIS_PREFIX}:bull`);
    let outcome: RetryOutcome;
    try {
      outcome = await this.retryQueue.retryNow(d.id);
    } catch (e) {
      if (d.status === 'FAILED') await prisma.webhookDelivery.updateMany({ where: { id: d.id, status: 'PENDING' }, data: { status: 'FAILED' } });
      throw DomainError.unavailable(`the webhook queue did not take the retry: ${(e as Error).message}`);
    }
    return { delivery: this.view(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: d.id } })), outcome };
  }

  /** A new signing secret, in force for every delivery sent from now on (retries included). Shown only here. */
  async rotateSecret(user: DashboardUser): Promise<RotateWebhookSecretResponse> {
    assertCanManageTenant(user);
    const secret = generateWebhookSecret();
    await this.platform.prisma.tenant.update({ where: { id: user.tenantId }, data: { webhookSecret: secret } });
    return { secret, secretHint: secretHint(secret) };
  }

  async onModuleDestroy(): Promise<void> {
    await this.retryQueue?.close();
  }

  private async find(user: DashboardUser, deliveryId: string): Promise<WebhookDelivery> {
    const d = UUID.test(deliveryId) ? await this.platform.prisma.webhookDelivery.findFirst({ where: { id: deliveryId, tenantId: user.tenantId } }) : null;
    if (!d) throw DomainError.notFound(`webhook delivery ${deliveryId}`, 'deliveryId');
    return d;
  }
}
