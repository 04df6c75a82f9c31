import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  resolveAndCheck,
  WebhookAddressError,
  type AddressPolicy,
  type HostResolver,
  type VettedTarget,
  type WebhookAddressErrorCode,
} from './address-guard';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** How much of a receiver's answer is read (and thrown away) before the connection is dropped. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
const USER_AGENT = 'darkroom-webhooks/1';

export interface SendWebhookInput {
  url: string;
  /** Extra headers, typically the signed Standard Webhooks ones. */
  headers: Record<string, string>;
  body: string;
  /** One deadline for resolving, connecting and answering. Default 10 s. */
  timeoutMs?: number;
  policy: AddressPolicy;
  /** Host resolution; the system resolver unless a test injects one. */
  resolver?: HostResolver;
}

export interface SendWebhookResult {
  /** True for a 2xx answer. */
  ok: boolean;
  status?: number;
  error?: string;
  durationMs: number;
  /** Set when the address guard refused the URL for good: retrying cannot help. */
  refused?: { code: WebhookAddressErrorCode; address?: string; rule?: string };
}

class DeadlineError extends Error {}

/** A lookup that answers the vetted address whatever the name, so a second DNS answer cannot swap it. */
function pinnedLookup(target: VettedTarget): LookupFunction {
  return ((_hostname: string, options: LookupOptions, callback: (...args: unknown[]) => void) => {
    if (options.all) {
      const all: LookupAddress[] = [{ address: target.address, family: target.family }];
      callback(null, all);
    } else {
      callback(null, target.address, target.family);
    }
  }) as LookupFunction;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/**
 * Posts one webhook: vets the URL (scheme, userinfo, port, every resolved address), connects to the vetted
 * address only, does not follow redirects, reads at most 64 KiB of the answer, and never throws.
 */
export async function sendWebhook(input: SendWebhookInput): Promise<SendWebhookResult> {
  const started = performance.now();
  const timeoutMs = input.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const elapsed = () => Math.round(performance.now() - started);
  const deadline = started + timeoutMs;

  let target: VettedTarget;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineError()), timeoutMs);
    });
    target = await Promise.race([resolveAndCheck(input.url, input.policy, input.resolver), timedOut]);
  } catch (err) {
    if (err instanceof DeadlineError) return { ok: false, error: `timeout after ${timeoutMs} ms (resolving host)`, durationMs: elapsed() };
    if (err instanceof WebhookAddressError) {
      const result: SendWebhookResult = { ok: false, error: err.message, durationMs: elapsed() };
      if (err.permanent) result.refused = { code: err.code, address: err.details.address, rule: err.details.rule };
      return result;
    }
    return { ok: false, error: describe(err), durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }

  const outcome = await post(target, input, Math.max(1, deadline - performance.now()), timeoutMs);
  return { ...outcome, durationMs: elapsed() };
}

function post(
  target: VettedTarget,
  input: SendWebhookInput,
  remainingMs: number,
  timeoutMs: number,
): Promise<Omit<SendWebhookResult, 'durationMs'>> {
  return new Promise((resolve) => {
    let settled = false;
    let status: number | undefined;
    const finish = (result: Omit<SendWebhookResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const byStatus = (code: number): Omit<SendWebhookResult, 'durationMs'> => {
      if (code >= 200 && code < 300) return { ok: true, status: code };
      const note = code >= 300 && code < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, status: code, error: `HTTP ${code}${note}` };
    };

    const client = target.url.protocol === 'https:' ? https : http;
    const req = client.request({
      method: 'POST',
      host: target.hostname,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(input.body),
        'user-agent': USER_AGENT,
        ...input.headers,
      },
      lookup: pinnedLookup(target),
      // A fresh connection per delivery: a pooled socket must never outlive the address check that allowed it.
      agent: false,
    });

    const timer = setTimeout(() => {
      // Once the status line is in, the receiver has answered; a slow body only stops the reading.
      if (status !== undefined) finish(byStatus(status));
      else finish({ ok: false, error: `timeout after ${timeoutMs} ms` });
    }, remainingMs);

    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= MAX_RESPONSE_BYTES) finish(byStatus(status!));
      });
      res.on('end', () => finish(byStatus(status!)));
      res.on('error', () => finish(byStatus(status!)));
      res.on('close', () => finish(byStatus(status!)));
    });
    req.on('error', (err) => {
      if (status !== undefined) finish(byStatus(status));
      else finish({ ok: false, error: describe(err) });
    });
    req.end(input.body);
  });
}
