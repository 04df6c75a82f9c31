import fc from 'fast-check';
import { createTestDatabase, TestDatabase } from '@darkroom/testing';
import { applyLedgerChange, checkAllLedgers, checkLedger, creditsText, expireDueCredits, InsufficientCreditsError, LedgerResult, refundForJob, reserveForJob, settleForJob, unitsOf } from './index';
import type { Tx } from './ledger-types';

type Op =
  | { op: 'grant'; units: number; expiring: boolean }
  | { op: 'reserve'; job: number; units: number }
  | { op: 'settle'; job: number }
  | { op: 'refund'; job: number; share: number }
  | { op: 'debit'; units: number }
  | { op: 'replay'; index: number };

const job = fc.integer({ min: 0, max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('grant' as const), units: fc.integer({ min: 1, max: 50_000 }), expiring: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('reserve' as const), job, units: fc.integer({ min: 1, max: 30_000 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('settle' as const), job }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('refund' as const), job, share: fc.integer({ min: 1, max: 4 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('debit' as const), units: fc.integer({ min: 1, max: 20_000 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('replay' as const), index: fc.nat() }), weight: 1 },
);

/**
 * Random sequences of ledger changes (with replays of earlier idempotency keys) against a plain model of the
 * balance and the expiring lots: after every sequence the database's balance and lots equal the model's, the
 * ledger sums to the balance, the running balances chain, and a sweep far in the future expires exactly the lots.
 */
describe('ledger invariant (randomized)', () => {
  let db: TestDatabase;
  let run = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.prisma.plan.create({ data: { id: 'free', name: 'Free' } });
  });
  afterAll(() => db.drop());

  it('keeps balance = Σ ledger = model after any sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 30, size: 'max' }), async (ops) => {
        run++;
        const tenantId = (await db.prisma.tenant.create({ data: { name: `r${run}`, planId: 'free', webhookSecret: 'whsec_x' } })).id;
        const jobBase = BigInt(run) * 1000n;
        let model = 0n;
        // Expiring lots in grant order (= expiry order here) and what each reservation took from them.
        const lots: bigint[] = [];
        const uses = new Map<number, Array<[number, bigint]>>();
        const spend = (units: bigint): Array<[number, bigint]> => {
          const taken: Array<[number, bigint]> = [];
          let left = units;
          lots.forEach((remaining, i) => {
            const take = remaining < left ? remaining : left;
            if (take > 0n) {
              lots[i] -= take;
              left -= take;
              taken.push([i, take]);
            }
          });
          return taken;
        };
        const reserved = new Map<number, bigint>();
        const refunded = new Set<number>();
        const settled = new Set<number>();
        const applied: Array<(tx: Tx) => Promise<LedgerResult>> = [];

        const apply = async (fn: (tx: Tx) => Promise<LedgerResult>): Promise<boolean> => {
          try {
            await db.prisma.$transaction(fn);
            applied.push(fn);
            return true;
          } catch (e) {
            if (e instanceof InsufficientCreditsError) return false;
            throw e;
          }
        };

        for (const [i, o] of ops.entries()) {
          const amount = (units: number | bigint) => Number(creditsText(BigInt(units)));
          switch (o.op) {
            case 'grant': {
              const expiresAt = o.expiring ? new Date(Date.now() + 3_600_000) : undefined;
              if (await apply((tx) => applyLedgerChange(tx, { tenantId, kind: 'GRANT', amount: amount(o.units), expiresAt, idempotencyKey: `g:${run}:${i}` }))) {
                model += BigInt(o.units);
                if (o.expiring) lots.push(BigInt(o.units));
              }
              break;
            }
            case 'reserve': {
              if (reserved.has(o.job)) break;
              const ok = await apply((tx) => reserveForJob(tx, tenantId, jobBase + BigInt(o.job), amount(o.units)));
              expect(ok).toBe(BigInt(o.units) <= model);
              if (ok) {
                model -= BigInt(o.units);
                reserved.set(o.job, BigInt(o.units));
                uses.set(o.job, spend(BigInt(o.units)));
              }
              break;
            }
            case 'settle': {
              if (!reserved.has(o.job) || settled.has(o.job)) break;
              await apply((tx) => settleForJob(tx, tenantId, jobBase + BigInt(o.job)));
              settled.add(o.job);
              break;
            }
            case 'refund': {
              const r = reserved.get(o.job);
              if (r === undefined || refunded.has(o.job)) break;
              const back = (r * BigInt(o.share)) / 4n;
              if (back === 0n) break;
              await apply((tx) => refundForJob(tx, tenantId, jobBase + BigInt(o.job), amount(back), 'random'));
              refunded.add(o.job);
              model += back;
              // Non-expiring credits come back first, then the lots in reverse order of taking.
              const took = uses.get(o.job) ?? [];
              const fromLots = took.reduce((sum, [, a]) => sum + a, 0n);
              let toLots = back - (r - fromLots);
              for (const [lot, a] of [...took].reverse()) {
                if (toLots <= 0n) break;
                const give = a < toLots ? a : toLots;
                lots[lot] += give;
                toLots -= give;
              }
              break;
            }
            case 'debit': {
              const ok = await apply((tx) => applyLedgerChange(tx, { tenantId, kind: 'ADJUSTMENT', amount: -amount(o.units), idempotencyKey: `d:${run}:${i}` }));
              expect(ok).toBe(BigInt(o.units) <= model);
              if (ok) {
                model -= BigInt(o.units);
                spend(BigInt(o.units));
              }
              break;
            }
            case 'replay': {
              // Any earlier change again: same idempotency key, nothing changes.
              if (!applied.length) break;
              const r = await db.prisma.$transaction(applied[o.index % applied.length]);
              expect(r.applied).toBe(false);
              break;
            }
          }
        }

        const check = await checkLedger(db.prisma, tenantId);
        expect(check).toMatchObject({ ok: true, chainBreaks: 0 });
        expect(unitsOf(check.balance)).toBe(model);
        expect(unitsOf(check.lotsRemaining)).toBe(lots.reduce((sum, l) => sum + l, 0n));
        // Far in the future every lot has expired: exactly the lots' remaining credits leave.
        await expireDueCredits(db.prisma, new Date(Date.now() + 7_200_000));
        const after = await checkLedger(db.prisma, tenantId);
        expect(after).toMatchObject({ ok: true, lotsRemaining: '0.0000' });
        expect(unitsOf(after.balance)).toBe(model - unitsOf(check.lotsRemaining));
      }),
      { numRuns: 25 },
    );
    expect((await checkAllLedgers(db.prisma)).failures).toEqual([]);
  }, 120_000);

  it('keeps the invariant under concurrent changes of one tenant', async () => {
    const tenantId = (await db.prisma.tenant.create({ data: { name: 'c', planId: 'free', webhookSecret: 'whsec_x' } })).id;
    await db.prisma.$transaction((tx) => applyLedgerChange(tx, { tenantId, kind: 'GRANT', amount: 3, idempotencyKey: 'c:g1' }));
    await db.prisma.$transaction((tx) => applyLedgerChange(tx, { tenantId, kind: 'GRANT', amount: 2, expiresAt: new Date(Date.now() + 3_600_000), idempotencyKey: 'c:g2' }));
    const jobs = Array.from({ length: 30 }, (_, i) => 900_000n + BigInt(i));
    const results = await Promise.allSettled(
      jobs.map(async (id, i) => {
        await db.prisma.$transaction((tx) => reserveForJob(tx, tenantId, id, 0.25));
        // Each accepted job ends one way, racing its own duplicate end.
        const end = (tx: Tx) => (i % 3 === 0 ? refundForJob(tx, tenantId, id, 0.25, 'canceled') : i % 3 === 1 ? settleForJob(tx, tenantId, id) : refundForJob(tx, tenantId, id, 0.125, 'partial'));
        await Promise.all([db.prisma.$transaction(end), db.prisma.$transaction(end)]);
      }),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled').length;
    expect(accepted).toBeGreaterThanOrEqual(20); // 5 credits / 0.25, refunds make room for more
    const rejected = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    for (const e of rejected) expect(e).toBeInstanceOf(InsufficientCreditsError);
    expect(await checkLedger(db.prisma, tenantId)).toMatchObject({ ok: true, chainBreaks: 0 });
    const refunds = await db.prisma.ledgerEntry.groupBy({ by: ['jobId'], where: { tenantId, kind: 'REFUND' }, _count: { _all: true } });
    expect(refunds.every((r) => r._count._all === 1)).toBe(true);
  }, 60_000);
});
