import { PlaceholderRunner } from '@darkroom/inference';
import { ApiHarness, txt2img } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** Reads a text/event-stream response until `until` is satisfied or the time is up. */
async function readEvents(res: Response, until: (events: SseEvent[]) => boolean, timeoutMs: number): Promise<SseEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline && !until(events)) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
      if (!chunk || chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const e: SseEvent = { event: 'message', data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) e.event = line.slice(7);
          else if (line.startsWith('id: ')) e.id = line.slice(4);
          else if (line.startsWith('data: ')) e.data += line.slice(6);
        }
        if (e.data) events.push(e);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}

describe('dashboard API: live job status, run again, downloads', () => {
  let h: ApiHarness;
  let alice: DashboardClient;
  let bob: DashboardClient;

  beforeAll(async () => {
    h = await ApiHarness.start();
    alice = new DashboardClient(h);
    bob = new DashboardClient(h);
    await alice.signUp(uniqueEmail('live'), 'Live Studio');
    await bob.signUp(uniqueEmail('live-bob'), 'Bob Watches');
    await h.prisma.tenant.updateMany({ data: { rateLimitPerSec: 1000, planId: 'enterprise' } });
  });
  afterAll(() => h.stop());

  const stream = (client: DashboardClient, headers: Record<string, string> = {}) =>
    fetch(`${h.baseUrl}/dashboard-api/jobs/events`, { headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...headers } });

  it("streams the tenant's job changes as server-sent events, and only the tenant's", async () => {
    const aliceStream = await stream(alice);
    expect(aliceStream.status).toBe(200);
    expect(aliceStream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(aliceStream.headers.get('cache-control')).toBe('no-cache, no-transform');
    const bobStream = await stream(bob);

    const job = (await alice.call('POST', '/jobs', txt2img('live-1', { steps: 20 }))).json.job;
    const statuses = (events: SseEvent[]) => events.filter((e) => e.event === 'job').map((e) => JSON.parse(e.data) as { job: { id: string; status: string; prompt: string }; progress: number | null });
    let started = false;
    // The worker starts once the WAITING event arrived; 100 ms per step keeps it RUNNING for about 2 s.
    const events = await readEvents(
      aliceStream,
      (ev) => {
        if (!started && statuses(ev).some((e) => e.job.status === 'WAITING')) {
          started = true;
          h.startWorker({ runner: new PlaceholderRunner(100) });
        }
        return statuses(ev).some((e) => e.job.status === 'SUCCESS');
      },
      20_000,
    );
    const seen = statuses(events).filter((e) => e.job.id === job.id);
    expect(seen[0]).toMatchObject({ job: { status: 'WAITING', prompt: 'a photo of a cat' }, progress: null });
    expect(seen.map((e) => e.job.status)).toEqual(expect.arrayContaining(['WAITING', 'RUNNING', 'SUCCESS']));
    // Progress of the running job rises between events.
    const progress = seen.filter((e) => e.job.status === 'RUNNING').map((e) => e.progress ?? 0);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[progress.length - 1]).toBeGreaterThan(progress[0]);
    const order = ['WAITING', 'RUNNING', 'SUCCESS'];
    const ranks = seen.map((e) => order.indexOf(e.job.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // Each event carries a resume cursor.
    expect(events.filter((e) => e.event === 'job').every((e) => !Number.isNaN(Date.parse(e.id ?? '')))).toBe(true);

    expect(statuses(await readEvents(bobStream, () => false, 1500))).toEqual([]);
    expect((await fetch(`${h.baseUrl}/dashboard-api/jobs/events`)).status).toBe(401);
  }, 40_000);

  it('resumes from Last-Event-ID without repeating what was seen', async () => {
    const cursor = new Date().toISOString();
    const job = (await alice.call('POST', '/jobs', txt2img('live-2'))).json.job;
    const res = await stream(alice, { 'last-event-id': cursor });
    const events = await readEvents(res, (ev) => ev.some((e) => e.event === 'job' && JSON.parse(e.data).job.status === 'SUCCESS'), 20_000);
    const ids = events.filter((e) => e.event === 'job').map((e) => JSON.parse(e.data).job.id);
    expect(new Set(ids)).toEqual(new Set([job.id]));
  }, 30_000);

  it('runs a job again with a new requestId and the same parameters; downloads an output as an attachment', async () => {
    const first = (await alice.call('POST', '/jobs', { requestId: 'again-src', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 777, count: 1 } }, ...txt2img('x', { steps: 3 }).stages] })).json.job;
    const done = await waitForJob(alice, first.id, 'SUCCESS');
    const again = await alice.call('POST', `/jobs/${first.id}/run-again`);
    expect(again.status).toBe(200);
    expect(again.json.job.id).not.toBe(first.id);
    const detail = (await alice.call('GET', `/jobs/${again.json.job.id}`)).json;
    expect(detail.summary).toMatchObject({ seed: '777', steps: 3, prompt: 'a photo of a cat' });
    expect(detail.summary.requestId).toMatch(/^again-src\.again-[0-9a-z]+-[0-9a-f]{8}$/);
    expect((await bob.call('POST', `/jobs/${first.id}/run-again`)).status).toBe(404);

    const output = done.job.successInfo.images[0];
    const file = await alice.call('GET', `/jobs/${first.id}/outputs/${output.id}/download`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="darkroom-${first.id}-1-0-seed777.png"`);
    expect(file.headers.get('content-type')).toBe('image/png');
    const raw = await fetch(`${h.baseUrl}/dashboard-api/jobs/${first.id}/outputs/${output.id}/download`, { headers: { cookie: [...alice.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(Buffer.from(await raw.arrayBuffer()).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect((await bob.call('GET', `/jobs/${first.id}/outputs/${output.id}/download`)).status).toBe(404);
    expect((await alice.call('GET', `/jobs/${first.id}/outputs/not-a-uuid/download`)).status).toBe(404);
  }, 40_000);
});

async function waitForJob(client: DashboardClient, jobId: string, status: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = (await client.call('GET', `/jobs/${jobId}`)).json;
    if (last?.job?.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${jobId} did not reach ${status}: ${JSON.stringify(last?.job)}`);
}
