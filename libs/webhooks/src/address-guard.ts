import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, type AddressCategory } from './ip-ranges';

/** Which non-public destinations a deployment lets webhooks reach. Both false in production. */
export interface AddressPolicy {
  /** 10/8, 172.16/12, 192.168/16, fc00::/7, link-local (incl. 169.254.169.254) and CGNAT 100.64/10. */
  allowPrivate: boolean;
  /** 127/8 and ::1. */
  allowLoopback: boolean;
}

export const STRICT_ADDRESS_POLICY: AddressPolicy = Object.freeze({ allowPrivate: false, allowLoopback: false });

export type WebhookAddressErrorCode =
  | 'INVALID_URL'
  | 'UNSUPPORTED_SCHEME'
  | 'USERINFO_NOT_ALLOWED'
  | 'INVALID_PORT'
  | 'DNS_FAILED'
  | 'ADDRESS_REFUSED';

/** Why a webhook URL may not be called. Every code but DNS_FAILED is permanent: retrying cannot help. */
export class WebhookAddressError extends Error {
  override readonly name = 'WebhookAddressError';

  constructor(
    readonly code: WebhookAddressErrorCode,
    message: string,
    readonly details: { address?: string; rule?: string; category?: AddressCategory } = {},
  ) {
    super(message);
  }

  get permanent(): boolean {
    return this.code !== 'DNS_FAILED';
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to all of its addresses (A and AAAA). Injectable so tests need no DNS. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** A destination that passed the guard: connect to `address`, and to nothing else. */
export interface VettedTarget {
  url: URL;
  /** Host name as the URL gives it, without IPv6 brackets: the Host header and the TLS server name. */
  hostname: string;
  port: number;
  /** The one address the request must connect to. */
  address: string;
  family: 4 | 6;
}

/** Checks what can be checked without DNS: scheme, userinfo, port. Safe to call when a notifyUrl is accepted. */
export function checkWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookAddressError('INVALID_URL', `webhook URL is not a valid absolute URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookAddressError('UNSUPPORTED_SCHEME', `webhook URL scheme "${url.protocol}" is not allowed (use http or https)`);
  }
  if (url.username || url.password) {
    throw new WebhookAddressError('USERINFO_NOT_ALLOWED', 'webhook URL must not carry a user name or password');
  }
  // The URL parser already rejects ports above 65535; an explicit :0 is what remains.
  if (url.port !== '' && (Number(url.port) < 1 || Number(url.port) > 65535)) {
    throw new WebhookAddressError('INVALID_PORT', `webhook URL port ${url.port} is outside 1..65535`);
  }
  if (!url.hostname) {
    throw new WebhookAddressError('INVALID_URL', 'webhook URL has no host');
  }
  return url;
}

function isAllowed(category: AddressCategory, policy: AddressPolicy): boolean {
  switch (category) {
    case 'loopback':
      return policy.allowLoopback;
    case 'private':
    case 'link-local':
    case 'cgnat':
      return policy.allowPrivate;
    case 'reserved':
      return false;
  }
}

function policyHint(category: AddressCategory): string {
  switch (category) {
    case 'loopback':
      return 'allowed only when WEBHOOK_ALLOW_LOOPBACK is set';
    case 'private':
    case 'link-local':
    case 'cgnat':
      return 'allowed only when WEBHOOK_ALLOW_PRIVATE is set';
    case 'reserved':
      return 'never allowed';
  }
}

/** Throws ADDRESS_REFUSED unless the policy lets a webhook reach `address`. */
export function checkAddress(address: string, policy: AddressPolicy, hostname = address): void {
  const found = classifyAddress(address);
  if (!found || isAllowed(found.category, policy)) return;
  const via = hostname === address ? '' : ` (resolved from ${hostname})`;
  throw new WebhookAddressError(
    'ADDRESS_REFUSED',
    `webhook address ${address}${via} is ${found.category} (${found.rule}); ${policyHint(found.category)}`,
    { address, rule: found.rule, category: found.category },
  );
}

/**
 * Validates a webhook URL and resolves its host. Refuses if ANY of the host's addresses is off limits: a host
 * that resolves to one public and one private address could otherwise be steered to the private one.
 * A literal-IP URL is checked without DNS. The caller must connect to the returned address only (DNS rebinding).
 */
export async function resolveAndCheck(
  raw: string,
  policy: AddressPolicy,
  resolver: HostResolver = systemResolver,
): Promise<VettedTarget> {
  const url = checkWebhookUrl(raw);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;

  const literal = isIP(hostname);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolver(hostname);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new WebhookAddressError('DNS_FAILED', `could not resolve webhook host ${hostname}: ${reason}`);
    }
    if (!addresses.length) {
      throw new WebhookAddressError('DNS_FAILED', `webhook host ${hostname} has no addresses`);
    }
  }
  for (const a of addresses) {
    if (!isIP(a.address)) {
      throw new WebhookAddressError('DNS_FAILED', `webhook host ${hostname} resolved to a non-address ${JSON.stringify(a.address)}`);
    }
    checkAddress(a.address, policy, hostname);
  }
  return { url, hostname, port, address: addresses[0].address, family: addresses[0].family };
}
