import { parseCreateResourceRequest } from './create-resource.schema';

const value = (body: unknown) => {
  const r = parseCreateResourceRequest(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
};
const rules = (body: unknown) => {
  const r = parseCreateResourceRequest(body);
  return r.ok ? [] : r.issues.map((i) => `${i.field} ${i.rule}`);
};

describe('parseCreateResourceRequest', () => {
  it('defaults to a 3600 s putUrl and a short term; no body reads as {}', () => {
    expect(value({})).toEqual({ expireSec: 3600, term: 'SHORT' });
    expect(value(undefined)).toEqual({ expireSec: 3600, term: 'SHORT' });
    expect(value({ expireSec: 0, term: 0 })).toEqual({ expireSec: 3600, term: 'SHORT' });
  });

  it('reads the term as a number, a name or the TERM_ name', () => {
    for (const term of [1, 'SHORT', 'TERM_SHORT']) expect(value({ term }).term).toBe('SHORT');
    for (const term of [2, 'LONG', 'TERM_LONG']) expect(value({ term }).term).toBe('LONG');
    expect(rules({ term: 3 })).toEqual(['term enum']);
    expect(rules({ term: 'FOREVER' })).toEqual(['term enum']);
  });

  it('expireSec: 60..604800, as a number or a decimal string', () => {
    expect(value({ expireSec: 60 }).expireSec).toBe(60);
    expect(value({ expire_sec: '604800' }).expireSec).toBe(604800);
    expect(rules({ expireSec: 59 })).toEqual(['expireSec min']);
    expect(rules({ expireSec: '604801' })).toEqual(['expireSec max']);
    expect(rules({ expireSec: 90.5 })).toEqual(['expireSec integer']);
    expect(rules({ expireSec: 'soon' })).toEqual(['expireSec type']);
  });

  it('refuses unknown fields and duplicate spellings', () => {
    expect(rules({ expireSec: 60, kind: 'png' })).toEqual(['kind unknown_field']);
    expect(rules({ expireSec: 60, expire_sec: 61 })).toEqual(['expireSec duplicate_field']);
    expect(rules([])).toEqual([' type']);
  });
});
