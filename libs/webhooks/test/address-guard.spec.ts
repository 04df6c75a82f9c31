import {
  classifyAddress,
  ipv6ToBytes,
  resolveAndCheck,
  WebhookAddressError,
  type AddressPolicy,
  type HostResolver,
} from '@darkroom/webhooks';

const strict: AddressPolicy = { allowPrivate: false, allowLoopback: false };
const loopbackOk: AddressPolicy = { allowPrivate: false, allowLoopback: true };
const privateOk: AddressPolicy = { allowPrivate: true, allowLoopback: false };

// Resolvers that answer from a table: these tests never touch DNS or the network.
const fixed =
  (table: Record<string, string[]>): HostResolver =>
  async (host) =>
    (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
const noDns: HostResolver = async (host) => {
  throw new Error(`unexpected DNS lookup of ${host}`);
};

async function refusal(promise: Promise<unknown>): Promise<WebhookAddressError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookAddressError);
    return err as WebhookAddressError;
  }
  throw new Error('expected a refusal');
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['0.0.0.0', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['::', 'reserved'],
    ['ff02::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:a00:1::1', 'private'],
    ['::10.0.0.1', 'reserved'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address)?.category).toBe(category);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });

  it('names the matched range', () => {
    expect(classifyAddress('10.1.2.3')).toEqual({ category: 'private', rule: '10.0.0.0/8' });
    expect(classifyAddress('::ffff:10.1.2.3')?.rule).toContain('IPv4-mapped');
  });

  it('expands IPv6 text forms', () => {
    expect(Array.from(ipv6ToBytes('::ffff:1.2.3.4'))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(Array.from(ipv6ToBytes('1:2:3:4:5:6:7:8'))).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(Array.from(ipv6ToBytes('fe80::')).slice(0, 2)).toEqual([0xfe, 0x80]);
  });
});

describe('resolveAndCheck', () => {
  it.each([
    ['http://10.0.0.1/hook', '10.0.0.1', 'private'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
    ['http://[fd00::1]:8080/', 'fd00::1', 'private'],
    ['http://[::ffff:10.0.0.1]/', '::ffff:a00:1', 'private'],
    ['http://100.64.1.1/', '100.64.1.1', 'cgnat'],
    ['http://127.0.0.1:9/', '127.0.0.1', 'loopback'],
    ['http://0x7f.1/', '127.0.0.1', 'loopback'],
    ['https://[::1]/', '::1', 'loopback'],
    ['http://0.0.0.0/', '0.0.0.0', 'reserved'],
  ])('refuses the literal %s without DNS', async (url, address, category) => {
    const err = await refusal(resolveAndCheck(url, strict, noDns));
    expect(err.code).toBe('ADDRESS_REFUSED');
    expect(err.details).toMatchObject({ address, category });
    expect(err.message).toContain(address);
    expect(err.permanent).toBe(true);
  });

  it('lets loopback and private through only by their own switch', async () => {
    await expect(resolveAndCheck('http://127.0.0.1:8080/x', loopbackOk, noDns)).resolves.toMatchObject({ address: '127.0.0.1', port: 8080 });
    await refusal(resolveAndCheck('http://10.0.0.1/', loopbackOk, noDns));
    await expect(resolveAndCheck('http://10.0.0.1/', privateOk, noDns)).resolves.toMatchObject({ address: '10.0.0.1', port: 80 });
    await refusal(resolveAndCheck('http://127.0.0.1/', privateOk, noDns));
  });

  it('keeps the metadata address closed unless private addresses are allowed', async () => {
    const err = await refusal(resolveAndCheck('http://169.254.169.254/', loopbackOk, noDns));
    expect(err.details.rule).toBe('169.254.0.0/16');
    await expect(resolveAndCheck('http://169.254.169.254/', privateOk, noDns)).resolves.toMatchObject({ address: '169.254.169.254' });
  });

  it('never allows reserved addresses', async () => {
    const open = { allowPrivate: true, allowLoopback: true };
    for (const url of ['http://224.0.0.1/', 'http://255.255.255.255/', 'http://[ff02::1]/', 'http://[::]/']) {
      expect((await refusal(resolveAndCheck(url, open, noDns))).code).toBe('ADDRESS_REFUSED');
    }
  });

  it('refuses a host if any of its addresses is off limits', async () => {
    const resolver = fixed({ 'mixed.example': ['93.184.216.34', '10.0.0.7'], 'public.example': ['93.184.216.34', '2606:2800:220:1::1'] });
    const err = await refusal(resolveAndCheck('https://mixed.example/hook', strict, resolver));
    expect(err.details.address).toBe('10.0.0.7');
    expect(err.message).toContain('resolved from mixed.example');
    await expect(resolveAndCheck('https://public.example/hook', strict, resolver)).resolves.toMatchObject({
      hostname: 'public.example',
      address: '93.184.216.34',
      family: 4,
      port: 443,
    });
  });

  it('refuses localhost through the system resolver when loopback is not allowed', async () => {
    const err = await refusal(resolveAndCheck('http://localhost:1/', strict));
    expect(err.code).toBe('ADDRESS_REFUSED');
    expect(err.details.category).toBe('loopback');
    const ok = await resolveAndCheck('http://localhost:1/', loopbackOk);
    expect(['127.0.0.1', '::1']).toContain(ok.address);
  });

  it.each([
    ['ftp://example.com/x', 'UNSUPPORTED_SCHEME'],
    ['file:///etc/passwd', 'UNSUPPORTED_SCHEME'],
    ['gopher://127.0.0.1:6379/', 'UNSUPPORTED_SCHEME'],
    ['http://user:pass@example.com/', 'USERINFO_NOT_ALLOWED'],
    ['http://user@example.com/', 'USERINFO_NOT_ALLOWED'],
    ['http://example.com:0/', 'INVALID_PORT'],
    ['http://example.com:70000/', 'INVALID_URL'],
    ['not a url', 'INVALID_URL'],
  ])('refuses %s (%s)', async (url, code) => {
    const err = await refusal(resolveAndCheck(url, { allowPrivate: true, allowLoopback: true }, noDns));
    expect(err.code).toBe(code);
    expect(err.permanent).toBe(true);
  });

  it('reports DNS failures as retryable', async () => {
    const err = await refusal(resolveAndCheck('http://nowhere.example/', strict, fixed({})));
    expect(err.code).toBe('DNS_FAILED');
    expect(err.permanent).toBe(false);
    const broken: HostResolver = async () => {
      throw new Error('ENOTFOUND');
    };
    expect((await refusal(resolveAndCheck('http://x.example/', strict, broken))).code).toBe('DNS_FAILED');
  });
});
