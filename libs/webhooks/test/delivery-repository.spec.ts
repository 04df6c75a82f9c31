import { createTestDatabase, type TestDatabase } from '@darkroom/testing';
import { DeliveryRepository } from '@darkroom/webhooks';
import { seedJob, seedTenant, type SeededTenant } from './fixtures';

describe('DeliveryRepository', () => {
  let db: TestDatabase;
  let repo: DeliveryRepository;
  let acme: SeededTenant;
  let other: SeededTenant;

  beforeAll(async () => {
    db = await createTestDatabase();
    repo = new DeliveryRepository(db.prisma);
    acme = await seedTenant(db.prisma, 'acme');
    other = await seedTenant(db.prisma, 'other');
  });
  afterAll(async () => {
    await db.drop();
  });

  const create = (t: SeededTenant, jobId = t.jobId) =>
    repo.create({ tenantId: t.tenantId, jobId, url: 'https://hooks.example/in', event: 'job.status', payload: { id: String(jobId), status: 'RUNNING' } });

  it('creates a PENDING delivery with a fresh msg_ id and reads it back with the tenant secret', async () => {
    const a = await create(acme);
    const b = await create(acme);
    expect(a.status).toBe('PENDING');
    expect(a.attempts).toBe(0);
    expect(a.messageId).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(a.messageId).not.toBe(b.messageId);
    const loaded = await repo.get(a.id);
    expect(loaded).toMatchObject({ id: a.id, webhookSecret: acme.secret, payload: { id: String(acme.jobId), status: 'RUNNING' } });
    expect(await repo.get('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('logs attempts and keeps the summary in step', async () => {
    const d = await create(acme);
    await repo.recordAttempt(d.id, 1, { status: 500, error: 'HTTP 500', durationMs: 12.6 });
    await repo.recordAttempt(d.id, 2, { error: 'timeout after 10000 ms', durationMs: 10_000 });
    let row = await repo.get(d.id);
    expect(row).toMatchObject({ attempts: 2, lastStatus: null, lastError: 'timeout after 10000 ms', status: 'PENDING' });
    await repo.recordAttempt(d.id, 3, { status: 200, durationMs: 5 });
    expect(await repo.markSucceeded(d.id)).toBe(true);
    row = await repo.get(d.id);
    expect(row).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null, status: 'SUCCEEDED' });
    expect(row?.deliveredAt).toBeInstanceOf(Date);
    const attempts = await repo.listAttempts(acme.tenantId, d.id);
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.error, a.durationMs])).toEqual([
      [1, 500, 'HTTP 500', 13],
      [2, null, 'timeout after 10000 ms', 10_000],
      [3, 200, null, 5],
    ]);
    // A finished delivery does not change state again.
    expect(await repo.markFailed(d.id, 'late')).toBe(false);
    expect((await repo.get(d.id))?.status).toBe('SUCCEEDED');
  });

  it('marks a delivery failed with its reason', async () => {
    const d = await create(acme);
    expect(await repo.markFailed(d.id, 'refused')).toBe(true);
    expect(await repo.get(d.id)).toMatchObject({ status: 'FAILED', lastError: 'refused', deliveredAt: null });
    expect(await repo.markSucceeded(d.id)).toBe(false);
  });

  it('lists only the tenant’s own deliveries, newest first, by job and with a limit', async () => {
    const secondJob = await seedJob(db.prisma, acme.tenantId);
    const mine = await create(acme, secondJob);
    const theirs = await create(other);
    const list = await repo.listForTenant(acme.tenantId, { limit: 50 });
    expect(list.length).toBeGreaterThan(1);
    expect(list.every((d) => d.tenantId === acme.tenantId)).toBe(true);
    expect(list.map((d) => d.id)).not.toContain(theirs.id);
    expect(list[0].id).toBe(mine.id);
    expect((await repo.listForTenant(acme.tenantId, { jobId: secondJob, limit: 50 })).map((d) => d.id)).toEqual([mine.id]);
    expect(await repo.listForTenant(acme.tenantId, { limit: 1 })).toHaveLength(1);
    expect((await repo.listForTenant(other.tenantId, { limit: 50 })).map((d) => d.id)).toEqual([theirs.id]);
  });

  it('hides another tenant’s attempts', async () => {
    const d = await create(other);
    await repo.recordAttempt(d.id, 1, { status: 200, durationMs: 1 });
    expect(await repo.listAttempts(other.tenantId, d.id)).toHaveLength(1);
    expect(await repo.listAttempts(acme.tenantId, d.id)).toHaveLength(0);
  });

  it('finds deliveries still pending for a sweeper', async () => {
    const d = await create(other);
    const ids = await repo.listPendingIds(new Date(Date.now() + 60_000), 1000);
    expect(ids).toContain(d.id);
    expect(await repo.listPendingIds(new Date(0), 1000)).toEqual([]);
  });

  it('goes away with its job', async () => {
    const jobId = await seedJob(db.prisma, acme.tenantId);
    const d = await create(acme, jobId);
    await db.prisma.job.delete({ where: { id: jobId } });
    expect(await repo.get(d.id)).toBeNull();
  });
});
