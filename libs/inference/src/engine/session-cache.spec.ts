import type { InferenceSession } from 'onnxruntime-node';
import { OnnxComponent } from './onnx-component';
import { SessionCache } from './session-cache';

/** A stand-in session that records its release (the cache policy does not depend on ONNX Runtime). */
function fakeOpen(log: string[]) {
  return async (label: string, source: string | Uint8Array): Promise<OnnxComponent> => {
    const file = typeof source === 'string' ? source : Buffer.from(source).toString();
    log.push(`open ${file}`);
    const session = {
      inputNames: [],
      outputNames: [],
      inputMetadata: [],
      outputMetadata: [],
      release: async () => {
        log.push(`release ${file}`);
      },
    } as unknown as InferenceSession;
    return new OnnxComponent(label, session);
  };
}

const req = (file: string, bytes: number, modelKey = 'm1') => ({ key: file, file, bytes, modelKey, label: file });

describe('SessionCache', () => {
  it('shares one load per key and evicts the least recently used beyond the budget', async () => {
    const log: string[] = [];
    const cache = new SessionCache({ memoryBudgetBytes: 100, sessionOptions: {}, open: fakeOpen(log) });
    const [a1, a2] = await Promise.all([cache.acquire(req('a', 40)), cache.acquire(req('a', 40))]);
    expect(a1.component).toBe(a2.component);
    a1.release();
    a2.release();
    (await cache.acquire(req('b', 40, 'm2'))).release();
    (await cache.acquire(req('a', 40))).release(); // a is now more recent than b
    expect(cache.heldModels()).toEqual(['m1', 'm2']);
    (await cache.acquire(req('c', 40, 'm3'))).release(); // 120 > 100: b goes
    expect(log).toEqual(['open a', 'open b', 'open c', 'release b']);
    expect(cache.bytes).toBe(80);
    expect(cache.heldModels()).toEqual(['m3', 'm1']);
  });

  it('never evicts a session in use, and shrinks once it comes back', async () => {
    const log: string[] = [];
    const cache = new SessionCache({ memoryBudgetBytes: 50, sessionOptions: {}, open: fakeOpen(log) });
    const a = await cache.acquire(req('a', 40));
    const b = await cache.acquire(req('b', 40));
    expect(cache.bytes).toBe(80); // over budget while both are held
    expect(log).toEqual(['open a', 'open b']);
    a.release();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['open a', 'open b', 'release a']);
    b.release();
    b.release(); // idempotent
    await cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.heldModels()).toEqual([]);
  });

  it('builds in-memory variants once, under their own key', async () => {
    const log: string[] = [];
    const cache = new SessionCache({ memoryBudgetBytes: 100, sessionOptions: {}, open: fakeOpen(log) });
    let builds = 0;
    const variant = { ...req('a', 10), key: 'a#lora:1', build: async () => (builds++, Buffer.from('merged a')) };
    (await cache.acquire(variant)).release();
    (await cache.acquire(variant)).release();
    (await cache.acquire(req('a', 10))).release();
    expect(builds).toBe(1);
    expect(log).toEqual(['open merged a', 'open a']);
  });

  it('forgets a failed load so the next request retries', async () => {
    let attempts = 0;
    const cache = new SessionCache({
      memoryBudgetBytes: 100,
      sessionOptions: {},
      open: async (label) => {
        attempts++;
        if (attempts === 1) throw new Error('disk error');
        return fakeOpen([])(label, 'x');
      },
    });
    await expect(cache.acquire(req('x', 10))).rejects.toThrow('disk error');
    expect(cache.size).toBe(0);
    (await cache.acquire(req('x', 10))).release();
    expect(attempts).toBe(2);
  });
});
