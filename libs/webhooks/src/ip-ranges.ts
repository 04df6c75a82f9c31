import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * What kind of non-public address an IP is. The policy decides per category:
 * - loopback: allowed only with allowLoopback (local development, tests);
 * - private, link-local, cgnat: allowed only with allowPrivate (a receiver inside the same network);
 * - reserved: never (unspecified, broadcast, multicast, documentation, benchmarking, unassigned).
 */
export type AddressCategory = 'loopback' | 'private' | 'link-local' | 'cgnat' | 'reserved';

export interface AddressClass {
  category: AddressCategory;
  /** The range that matched, e.g. "10.0.0.0/8", or a short description of it. */
  rule: string;
}

interface RangeRule {
  cidr: string;
  category: AddressCategory;
  list: BlockList;
}

function rule(cidr: string, category: AddressCategory): RangeRule {
  const [network, bits] = cidr.split('/');
  const list = new BlockList();
  list.addSubnet(network, Number(bits), isIPv4(network) ? 'ipv4' : 'ipv6');
  return { cidr, category, list };
}

const IPV4_RULES: RangeRule[] = [
  rule('0.0.0.0/8', 'reserved'), // "this network", includes the unspecified 0.0.0.0
  rule('10.0.0.0/8', 'private'),
  rule('100.64.0.0/10', 'cgnat'),
  rule('127.0.0.0/8', 'loopback'),
  rule('169.254.0.0/16', 'link-local'), // includes the cloud metadata service 169.254.169.254
  rule('172.16.0.0/12', 'private'),
  rule('192.0.0.0/24', 'reserved'), // IETF protocol assignments
  rule('192.0.2.0/24', 'reserved'), // documentation
  rule('192.88.99.0/24', 'reserved'), // former 6to4 relay anycast
  rule('192.168.0.0/16', 'private'),
  rule('198.18.0.0/15', 'reserved'), // benchmarking
  rule('198.51.100.0/24', 'reserved'), // documentation
  rule('203.0.113.0/24', 'reserved'), // documentation
  rule('224.0.0.0/4', 'reserved'), // multicast
  rule('240.0.0.0/4', 'reserved'), // reserved, includes the broadcast 255.255.255.255
];

// IPv6 ranges that embed an IPv4 address are handled before these (see classifyIPv6).
const IPV6_RULES: RangeRule[] = [
  rule('::1/128', 'loopback'),
  rule('::/128', 'reserved'), // unspecified
  rule('64:ff9b:1::/48', 'private'), // local-use NAT64
  rule('100::/64', 'reserved'), // discard-only
  rule('2001::/23', 'reserved'), // IETF protocol assignments: Teredo, ORCHID, ...
  rule('2001:db8::/32', 'reserved'), // documentation
  rule('fc00::/7', 'private'), // unique local
  rule('fe80::/10', 'link-local'),
  rule('fec0::/10', 'private'), // deprecated site-local
  rule('ff00::/8', 'reserved'), // multicast
];

const GLOBAL_UNICAST_V6 = rule('2000::/3', 'reserved');

function firstMatch(rules: RangeRule[], address: string, family: 'ipv4' | 'ipv6'): AddressClass | null {
  for (const r of rules) {
    if (r.list.check(address, family)) return { category: r.category, rule: r.cidr };
  }
  return null;
}

/** The 16 bytes of an IPv6 address (accepts "::" compression and a trailing dotted IPv4). */
export function ipv6ToBytes(address: string): Uint8Array {
  if (!isIPv6(address)) throw new Error(`not an IPv6 address: ${address}`);
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const octets = last.split('.').map(Number);
    tail.push((octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3]);
    text = text.slice(0, lastColon + 1) + '0'; // placeholder group, dropped below
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  let left = parse(head);
  let right = parse(rest);
  if (tail.length) {
    if (rest !== undefined) right = right.slice(0, -1);
    else left = left.slice(0, -1);
  }
  const groups =
    rest === undefined
      ? [...left, ...tail]
      : [...left, ...new Array<number>(8 - left.length - right.length - tail.length).fill(0), ...right, ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

function dotted(bytes: Uint8Array, offset: number): string {
  return Array.from(bytes.subarray(offset, offset + 4)).join('.');
}

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * An IPv4 address that an IPv6 address carries and that a connection to it would reach:
 * IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:aabb:ccdd::.
 */
function embeddedIPv4(bytes: Uint8Array): { ipv4: string; via: string } | null {
  if (allZero(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return { ipv4: dotted(bytes, 12), via: 'IPv4-mapped ::ffff:0:0/96' };
  }
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && allZero(bytes, 4, 12)) {
    return { ipv4: dotted(bytes, 12), via: 'NAT64 64:ff9b::/96' };
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) {
    return { ipv4: dotted(bytes, 2), via: '6to4 2002::/16' };
  }
  return null;
}

function classifyIPv6(address: string): AddressClass | null {
  const bytes = ipv6ToBytes(address);
  const embedded = embeddedIPv4(bytes);
  if (embedded) {
    const inner = classifyIPv4(embedded.ipv4);
    return inner ? { category: inner.category, rule: `${embedded.via} of ${embedded.ipv4} (${inner.rule})` } : null;
  }
  const hit = firstMatch(IPV6_RULES, address, 'ipv6');
  if (hit) return hit;
  // ::a.b.c.d (deprecated IPv4-compatible) and everything else outside 2000::/3 is not routable on the internet.
  if (allZero(bytes, 0, 12)) return { category: 'reserved', rule: 'IPv4-compatible ::/96 (deprecated)' };
  if (!GLOBAL_UNICAST_V6.list.check(address, 'ipv6')) return { category: 'reserved', rule: 'outside global unicast 2000::/3' };
  return null;
}

function classifyIPv4(address: string): AddressClass | null {
  return firstMatch(IPV4_RULES, address, 'ipv4');
}

/** null for a public address; otherwise which non-public range it falls in. Throws on a non-IP string. */
export function classifyAddress(address: string): AddressClass | null {
  if (isIPv4(address)) return classifyIPv4(address);
  if (isIPv6(address)) return classifyIPv6(address);
  throw new Error(`not an IP address: ${address}`);
}
