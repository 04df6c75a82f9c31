import { randomBytes } from 'node:crypto';
import type { Prisma, PrismaClient, WebhookAttempt, WebhookDelivery } from '@darkroom/db';

export type DeliveryStatus = WebhookDelivery['status'];

export interface CreateDeliveryInput {
  tenantId: string;
  jobId: bigint | string;
  url: string;
  event: string;
  /** The message body as JSON: for job.status, the job object as the API answers it. */
  payload: Prisma.InputJsonValue;
}

/** A delivery together with what it takes to sign it. */
export type DeliveryToSend = WebhookDelivery & { webhookSecret: string };

export interface AttemptOutcome {
  status?: number;
  error?: string;
  durationMs: number;
}

export const MAX_DELIVERY_PAGE = 200;

/** A Standard Webhooks message id: "msg_" + 128 random bits, the same for every retry of one delivery. */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('hex')}`;
}

/** The webhook delivery log in Postgres: one row per delivery, one per attempt. */
export class DeliveryRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(input: CreateDeliveryInput): Promise<WebhookDelivery> {
    return this.prisma.webhookDelivery.create({
      data: {
        messageId: newMessageId(),
        tenantId: input.tenantId,
        jobId: BigInt(input.jobId),
        url: input.url,
        event: input.event,
        payload: input.payload,
      },
    });
  }

  /** For the dispatcher, which acts for every tenant; the id is a random UUID it got from the queue. */
  async get(id: string): Promise<DeliveryToSend | null> {
    const row = await this.prisma.webhookDelivery.findUnique({
      where: { id },
      include: { tenant: { select: { webhookSecret: true } } },
    });
    if (!row) return null;
    const { tenant, ...delivery } = row;
    return { ...delivery, webhookSecret: tenant.webhookSecret };
  }

  /** Logs one attempt and keeps the delivery's summary (count, last status, last error) in step. */
  async recordAttempt(id: string, attempt: number, outcome: AttemptOutcome): Promise<void> {
    const durationMs = Math.max(0, Math.round(outcome.durationMs));
    await this.prisma.$transaction([
      this.prisma.webhookAttempt.create({
        data: {
          deliveryId: id,
          attempt,
          statusCode: outcome.status ?? null,
          error: outcome.error ?? null,
          durationMs,
        },
      }),
      this.prisma.webhookDelivery.update({
        where: { id },
        data: {
          attempts: { increment: 1 },
          lastStatus: outcome.status ?? null,
          lastError: outcome.error ?? null,
        },
      }),
    ]);
  }

  /** PENDING → SUCCEEDED; false if the delivery had already finished. */
  async markSucceeded(id: string): Promise<boolean> {
    const { count } = await this.prisma.webhookDelivery.updateMany({
      where: { id, status: 'PENDING' },
      data: { status: 'SUCCEEDED', deliveredAt: new Date() },
    });
    return count === 1;
  }

  /** PENDING → FAILED, keeping the reason as the last error when one is given. */
  async markFailed(id: string, reason?: string): Promise<boolean> {
    const { count } = await this.prisma.webhookDelivery.updateMany({
      where: { id, status: 'PENDING' },
      data: reason === undefined ? { status: 'FAILED' } : { status: 'FAILED', lastError: reason },
    });
    return count === 1;
  }

  /** A tenant's deliveries, newest first (the dashboard's list). */
  listForTenant(tenantId: string, options: { jobId?: bigint | string; limit: number }): Promise<WebhookDelivery[]> {
    const take = Math.min(Math.max(1, Math.floor(options.limit)), MAX_DELIVERY_PAGE);
    return this.prisma.webhookDelivery.findMany({
      where: { tenantId, ...(options.jobId !== undefined ? { jobId: BigInt(options.jobId) } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
    });
  }

  /** One delivery's attempts in order, if the delivery belongs to the tenant (else an empty list). */
  listAttempts(tenantId: string, deliveryId: string): Promise<WebhookAttempt[]> {
    return this.prisma.webhookAttempt.findMany({
      where: { deliveryId, delivery: { tenantId } },
      orderBy: [{ attempt: 'asc' }, { id: 'asc' }],
    });
  }

  /** Ids of deliveries still PENDING that were created before `before`: for a sweeper that re-enqueues them. */
  async listPendingIds(before: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.webhookDelivery.findMany({
      where: { status: 'PENDING', createdAt: { lt: before } },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
      take: Math.min(Math.max(1, Math.floor(limit)), 1000),
    });
    return rows.map((r) => r.id);
  }
}
