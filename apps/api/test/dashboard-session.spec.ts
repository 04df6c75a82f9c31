import { parseCookies, serializeCookie } from '../src/dashboard/session/cookies';
import { csrfTokenFor, csrfTokenMatches, issueSession, sessionKey, verifySession } from '../src/dashboard/session/session-token';
import { summarizeJob } from '../src/dashboard/jobs/job-summary';
import { lastDays } from '../src/dashboard/billing/balance.service';

const SECRET = 'x'.repeat(40);
const USER = '6f1c1a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';

describe('dashboard session tokens', () => {
  const key = sessionKey(undefined, SECRET);

  it('derives a key distinct from the URL signing secret, and the dedicated secret wins', () => {
    expect(key).toHaveLength(32);
    expect(key.equals(Buffer.from(SECRET.slice(0, 32)))).toBe(false);
    expect(sessionKey('y'.repeat(40), SECRET).equals(key)).toBe(false);
    expect(sessionKey(undefined, SECRET).equals(key)).toBe(true);
  });

  it('verifies its own tokens until they expire', () => {
    const { value, claims } = issueSession(key, USER, 1_000, 60);
    expect(verifySession(key, value, 1_000)).toEqual(claims);
    expect(claims).toMatchObject({ userId: USER, expiresAt: 1_060 });
    expect(verifySession(key, value, 1_059)).not.toBeNull();
    expect(verifySession(key, value, 1_060)).toBeNull();
  });

  it('refuses tokens signed by another key, altered in any part, or malformed', () => {
    const { value } = issueSession(key, USER, 1_000, 60);
    expect(verifySession(sessionKey('z'.repeat(40), SECRET), value, 1_000)).toBeNull();
    const parts = value.split('.');
    for (let i = 0; i < parts.length; i++) {
      const altered = [...parts];
      altered[i] = i === 2 ? '9999999999' : parts[i].slice(0, -1) + (parts[i].endsWith('A') ? 'B' : 'A');
      expect(verifySession(key, altered.join('.'), 1_000)).toBeNull();
    }
    for (const bad of [undefined, '', 'v1', `${value}.x`, value.replace('v1', 'v2'), 'a'.repeat(300)]) expect(verifySession(key, bad, 1_000)).toBeNull();
  });

  it('gives each session its own CSRF token', () => {
    const a = issueSession(key, USER).value;
    const b = issueSession(key, USER).value;
    expect(csrfTokenFor(key, a)).not.toBe(csrfTokenFor(key, b));
    expect(csrfTokenMatches(key, a, csrfTokenFor(key, a))).toBe(true);
    expect(csrfTokenMatches(key, a, csrfTokenFor(key, b))).toBe(false);
    expect(csrfTokenMatches(key, a, undefined)).toBe(false);
    expect(csrfTokenMatches(key, a, '')).toBe(false);
  });
});

describe('dashboard cookies', () => {
  it('parses a Cookie header, first occurrence wins, encoded values decoded', () => {
    expect(parseCookies('a=1; b=x%3Dy; a=2; junk; c="q"')).toEqual({ a: '1', b: 'x=y', c: 'q' });
    expect(parseCookies(undefined)).toEqual({});
  });

  it('writes Lax, path-wide cookies; HttpOnly and Secure on request; deletion expires them', () => {
    expect(serializeCookie('dr_session', 'v', { maxAgeSec: 60, httpOnly: true, secure: true })).toBe('dr_session=v; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure');
    expect(serializeCookie('dr_csrf', 'a b', { maxAgeSec: 0, httpOnly: false, secure: false })).toBe('dr_csrf=a%20b; Path=/; Max-Age=0; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(() => serializeCookie('bad name', 'v', { maxAgeSec: 1, httpOnly: true, secure: true })).toThrow();
  });
});

describe('job summaries', () => {
  const base = { id: 12n, requestId: 'r', status: 'SUCCESS', pool: 'cpu', credits: { toString: () => '0.0400' }, failureReason: null, createdAt: new Date(0), startedAt: null, finishedAt: null };

  it('reads prompt, size, steps, sampler, seed and count from the stored request', () => {
    const request = {
      stages: [
        { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 7, count: 3 } },
        { type: 'DIFFUSION', diffusion: { width: 640, height: 512, steps: 12, sampler: 'Euler a', prompts: [{ text: 'a cat' }, { text: 'a hat' }] } },
      ],
    };
    expect(summarizeJob({ ...base, request })).toMatchObject({ id: '12', credits: 0.04, prompt: 'a cat | a hat', width: 640, height: 512, steps: 12, sampler: 'Euler a', seed: '7', count: 3, stageTypes: ['INPUT_INITIALIZE', 'DIFFUSION'] });
  });

  it('falls back to nulls for requests without diffusion, a random seed and a missing count', () => {
    const request = { stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 0 } }, { type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'lanczos' } }] };
    expect(summarizeJob({ ...base, request })).toMatchObject({ prompt: '', width: null, steps: null, sampler: null, seed: null, count: 1 });
    expect(summarizeJob({ ...base, request: null })).toMatchObject({ stageTypes: [], count: 1 });
  });
});

describe('spend days', () => {
  it('lists the last n UTC days, oldest first, across a month end', () => {
    expect(lastDays(3, new Date('2026-03-01T05:00:00Z'))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});
