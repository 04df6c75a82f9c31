import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlobNotFoundError, LocalBlobStore, UrlSigner } from './index';

describe('LocalBlobStore', () => {
  let dir: string;
  let store: LocalBlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dr-blob-'));
    store = new LocalBlobStore(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stores, stats, reads and deletes', async () => {
    await store.put('outputs/t1/j1/0-0.png', Buffer.from('hello'), 'image/png');
    expect(await store.stat('outputs/t1/j1/0-0.png')).toEqual({ size: 5, contentType: 'image/png' });
    expect((await store.get('outputs/t1/j1/0-0.png')).toString()).toBe('hello');
    await store.delete('outputs/t1/j1/0-0.png');
    expect(await store.stat('outputs/t1/j1/0-0.png')).toBeNull();
    await expect(store.get('outputs/t1/j1/0-0.png')).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('refuses keys that could leave its directory', async () => {
    for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a//b', '.hidden', 'a\\b', '', 'a/./b']) {
      await expect(store.put(key, Buffer.from('x'))).rejects.toThrow(/invalid blob key/);
    }
  });
});

describe('UrlSigner', () => {
  const signer = new UrlSigner('s'.repeat(32), 'http://api.test:8080');
  const now = 1_800_000_000_000;

  it('accepts its own URL until it expires', () => {
    const { url, expiresAt } = signer.sign('GET', '/v1/files/a/b.png', 60, now);
    const u = new URL(url);
    expect(u.origin).toBe('http://api.test:8080');
    expect(expiresAt).toBe(now / 1000 + 60);
    const args = [u.pathname, u.searchParams.get('exp') ?? undefined, u.searchParams.get('sig') ?? undefined] as const;
    expect(signer.verify('GET', ...args, now)).toBe('ok');
    expect(signer.verify('GET', ...args, now + 61_000)).toBe('expired');
  });

  it('refuses tampered paths, expiries, methods and other secrets', () => {
    const u = new URL(signer.sign('GET', '/v1/files/a.png', 60, now).url);
    const exp = u.searchParams.get('exp')!;
    const sig = u.searchParams.get('sig')!;
    expect(signer.verify('GET', '/v1/files/b.png', exp, sig, now)).toBe('invalid');
    expect(signer.verify('GET', '/v1/files/a.png', String(Number(exp) + 1000), sig, now)).toBe('invalid');
    expect(signer.verify('PUT', '/v1/files/a.png', exp, sig, now)).toBe('invalid');
    expect(new UrlSigner('t'.repeat(32), 'http://x').verify('GET', '/v1/files/a.png', exp, sig, now)).toBe('invalid');
    expect(signer.verify('GET', '/v1/files/a.png', undefined, sig, now)).toBe('invalid');
    expect(signer.verify('GET', '/v1/files/a.png', '1e9', sig, now)).toBe('invalid');
  });
});
