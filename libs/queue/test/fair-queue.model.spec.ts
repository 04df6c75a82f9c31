import fc from 'fast-check';
import { createTestRedis, type TestRedis } from '@darkroom/testing';
import { FairQueue } from '@darkroom/queue';
import { ReferenceQueue } from './reference-queue';

type Op =
  | { kind: 'enqueue'; job: string; tenant: string; model: string; weight: number }
  | { kind: 'requeue'; job: string; tenant: string; model: string }
  | { kind: 'take'; held: string[]; window: number; lookahead: number }
  | { kind: 'remove'; job: string };

const job = fc.integer({ min: 0, max: 24 }).map((i) => `j${String(i).padStart(2, '0')}`);
const tenant = fc.constantFrom('t1', 't2', 't3', 't4');
const model = fc.constantFrom('m1', 'm2', 'm3');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('enqueue' as const), job, tenant, model, weight: fc.constantFrom(1, 2, 3, 1.5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('requeue' as const), job, tenant, model }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('take' as const),
      held: fc.subarray(['m1', 'm2', 'm3']),
      window: fc.constantFrom(0, 0.5, 1, 2, 5),
      lookahead: fc.constantFrom(1, 2, 4, 16),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), job }) },
);

describe('FairQueue agrees with the reference model', () => {
  let t: TestRedis;
  let queue: FairQueue;

  beforeAll(async () => {
    t = await createTestRedis();
    queue = new FairQueue({ redis: t.redis, prefix: t.prefix });
  });

  afterAll(async () => {
    await queue.closeBlockingConnections();
    await t.cleanup();
  });

  it('gives the same results, order, tags and counts for random operation sequences', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        const pool = `model-${run++}`;
        const ref = new ReferenceQueue();
        for (const o of ops) {
          switch (o.kind) {
            case 'enqueue':
              expect(await queue.enqueue(pool, { jobId: o.job, tenantId: o.tenant, modelKey: o.model, weight: o.weight })).toBe(
                ref.enqueue(o.job, o.tenant, o.model, o.weight),
              );
              break;
            case 'requeue':
              expect(await queue.requeue(pool, { jobId: o.job, tenantId: o.tenant, modelKey: o.model })).toBe(
                ref.requeue(o.job, o.tenant, o.model),
              );
              break;
            case 'take':
              expect(
                await queue.take(pool, { heldModels: o.held, affinityWindow: o.window, lookahead: o.lookahead }),
              ).toEqual(ref.take(o.held, o.window, o.lookahead));
              break;
            case 'remove':
              expect(await queue.remove(pool, o.job)).toBe(ref.remove(o.job));
              break;
          }
        }
        const listed = await queue.list(pool, 0, 100);
        expect(listed).toEqual(ref.order().map((w, i) => ({ ...w, rank: i + 1 })));
        expect(await queue.countByTenant(pool)).toEqual(ref.counts());
      }),
      { numRuns: 150 },
    );
  });
});
