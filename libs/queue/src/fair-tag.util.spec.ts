import { assertWeight, finishTag, pickAffinityIndex, startTag } from './fair-tag.util';
import { QueueError } from './queue.errors';

describe('startTag', () => {
  it('starts a tenant without a finish tag at the virtual time', () => {
    expect(startTag(7.5, undefined)).toBe(7.5);
  });

  it('starts a backlogged tenant at its finish tag', () => {
    expect(startTag(3, 12)).toBe(12);
  });

  it('never starts before the virtual time, even with an old finish tag', () => {
    expect(startTag(10, 4)).toBe(10);
  });
});

describe('finishTag', () => {
  it('advances by 1/w', () => {
    expect(finishTag(5, 1)).toBe(6);
    expect(finishTag(5, 2)).toBe(5.5);
    expect(finishTag(0, 4)).toBe(0.25);
  });

  it('gives a flooding tenant consecutive tags from V', () => {
    const tags: number[] = [];
    let fin: number | undefined;
    for (let i = 0; i < 5; i++) {
      const s = startTag(3, fin);
      tags.push(s);
      fin = finishTag(s, 1);
    }
    expect(tags).toEqual([3, 4, 5, 6, 7]);
  });
});

describe('assertWeight', () => {
  it.each([1, 2, 1.5, 100])('accepts %p', (w) => expect(() => assertWeight(w)).not.toThrow());
  it.each([0, 0.5, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %p', (w) => {
    expect(() => assertWeight(w)).toThrow(QueueError);
  });
});

describe('pickAffinityIndex', () => {
  const entries = [
    { modelKey: 'm1', tag: 0 },
    { modelKey: 'm1', tag: 1 },
    { modelKey: 'm2', tag: 2 },
    { modelKey: 'm3', tag: 2.5 },
  ];

  it('returns -1 for no entries', () => {
    expect(pickAffinityIndex([], new Set(['m1']), 2)).toBe(-1);
  });

  it('returns the head when no model is held', () => {
    expect(pickAffinityIndex(entries, new Set(), 100)).toBe(0);
  });

  it('returns the first held-model job within the window', () => {
    expect(pickAffinityIndex(entries, new Set(['m2']), 2)).toBe(2);
    expect(pickAffinityIndex(entries, new Set(['m3', 'm2']), 5)).toBe(2);
  });

  it('falls back to the head when the held-model job is beyond the window', () => {
    expect(pickAffinityIndex(entries, new Set(['m2']), 1.9)).toBe(0);
    expect(pickAffinityIndex(entries, new Set(['m3']), 2)).toBe(0);
  });

  it('takes the head when the head itself uses a held model', () => {
    expect(pickAffinityIndex(entries, new Set(['m1', 'm2']), 2)).toBe(0);
  });

  it('treats the window as relative to the head tag', () => {
    const later = entries.map((e) => ({ ...e, tag: e.tag + 100 }));
    expect(pickAffinityIndex(later, new Set(['m2']), 2)).toBe(2);
  });
});
