import { assertPoolName, isValidPoolName } from './pool-name.util';
import { assertPrefix, keyList, poolKeys } from './pool-keys.util';
import { QueueError } from './queue.errors';

describe('pool names', () => {
  it.each(['a100', 'sdxl-l4', 'cpu', '0', 'a'.repeat(32)])('accepts %p', (name) => {
    expect(isValidPoolName(name)).toBe(true);
    expect(() => assertPoolName(name)).not.toThrow();
  });

  it.each(['', 'GPU', 'a_b', 'a b', 'a:b', '{a}', 'a'.repeat(33), 'é'])('rejects %p', (name) => {
    expect(isValidPoolName(name)).toBe(false);
    expect(() => assertPoolName(name)).toThrow(expect.objectContaining({ code: 'INVALID_POOL' }));
  });
});

describe('pool keys', () => {
  it('puts the pool in a hash tag so all its keys share a cluster slot', () => {
    const keys = poolKeys('dr', 'a100');
    expect(keys.wait).toBe('dr:q:{a100}:wait');
    for (const key of keyList(keys)) expect(key).toMatch(/^dr:q:\{a100\}:[a-z]+$/);
    expect(new Set(keyList(keys)).size).toBe(6);
  });

  it('rejects prefixes that would steal the hash tag', () => {
    expect(() => assertPrefix('a{b}')).toThrow(QueueError);
    expect(() => assertPrefix('')).toThrow(QueueError);
    expect(() => assertPrefix('darkroom')).not.toThrow();
  });
});
