import { nextId, parseId } from './ids';

describe('ids', () => {
  it('are unique and increasing within a process', () => {
    const ids = Array.from({ length: 20_000 }, () => nextId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    expect(ids[0] < 2n ** 63n).toBe(true);
  });

  it('parses only decimal uint64 text', () => {
    expect(parseId('123')).toBe(123n);
    expect(parseId('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseId('18446744073709551616')).toBeNull();
    for (const bad of ['', '0', '-1', '1e3', 'abc', ' 1', '0x10', '1'.repeat(21)]) expect(parseId(bad)).toBeNull();
  });
});
