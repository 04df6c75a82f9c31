// The dashboard in a real browser (Debian's Chromium through playwright-core) against the real API, Postgres,
// Redis and an in-process worker: the production build of the dashboard (`next build` once per run, into
// .next-test), served by `next start` on a free port. Payments go through a local stand-in for Stripe (its API and
// its checkout page). Screenshots of the main pages go to artifacts/screenshots/ (gitignored).
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { generateTinyLora } from '@darkroom/testing';
import { createAdminUser } from '../../api/src/dashboard/account/create-admin';
import { ApiHarness, freePort, quietLog, txt2img } from '../../api/test/api-harness';
import { WorkerPresenceReporter } from '../../worker/src/worker-presence';
import { StripeCheckoutStandIn } from './stripe-checkout-stand-in';

const DASHBOARD_DIR = path.resolve(__dirname, '..');
const REPO_ROOT = path.resolve(DASHBOARD_DIR, '../..');
const DIST_DIR = '.next-test';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts/screenshots');
const NEXT_BIN = require.resolve('next/dist/bin/next');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'correct horse battery';
const STRIPE_WEBHOOK_SECRET = 'whsec_browser_test';

/** Runs a command to the end; rejects with its output when it fails. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: DASHBOARD_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`))));
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

const nextEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  NODE_ENV: 'production',
  NEXT_TELEMETRY_DISABLED: '1',
  DASHBOARD_DIST_DIR: DIST_DIR,
  ...extra,
});

describe('dashboard in Chromium', () => {
  let h: ApiHarness;
  let nextServer: ChildProcess;
  let browser: Browser;
  let base: string;
  let presence: WorkerPresenceReporter;
  let work: string;
  const contexts: BrowserContext[] = [];
  const stripe = new StripeCheckoutStandIn({ webhookSecret: STRIPE_WEBHOOK_SECRET, webhookUrl: () => `${h.baseUrl}/stripe/webhook` });

  // Shared by the scenarios, in order: the tenant who signs up, its job, and the admin.
  const alice = { email: `alice-${process.pid}-${Date.now()}@example.test`, tenant: `Alice Studio ${process.pid}` };
  const admin = { email: `admin-${process.pid}-${Date.now()}@example.test`, password: 'admin password 123' };
  let alicePage: Page;
  let adminPage: Page;
  let aliceJobId = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
    // The build (~30-40 s on 2 cores) runs while the API starts. DASHBOARD_TEST_REUSE_BUILD=1 skips it when a
    // build is already there (local iteration only).
    const reuse = process.env.DASHBOARD_TEST_REUSE_BUILD === '1' && existsSync(path.join(DASHBOARD_DIR, DIST_DIR, 'BUILD_ID'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const stripeApi = await stripe.start();
    const started = ApiHarness.start({
      STRIPE_SECRET_KEY: 'sk_test_browser',
      STRIPE_WEBHOOK_SECRET,
      STRIPE_API_URL: stripeApi,
      STRIPE_CREDIT_PACKS: 'small=price_small:100;large=price_large:1200',
      STRIPE_SUCCESS_URL: `${base}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      STRIPE_CANCEL_URL: `${base}/billing?checkout=canceled`,
    });
    const [harness] = await Promise.all([started, reuse ? Promise.resolve() : run([NEXT_BIN, 'build'], nextEnv())]);
    h = harness;
    const loop = h.startWorker();
    // The worker reports itself as a worker process does, for the admin's workers page.
    presence = new WorkerPresenceReporter({ redis: h.redis.redis, prefix: h.redis.prefix, source: loop, pool: 'cpu', workerId: 'browser-test-worker', runner: 'placeholder', concurrency: 1, log: quietLog, intervalMs: 1000 });
    presence.start();
    await createAdminUser(h.prisma, { email: admin.email, password: admin.password });
    work = await mkdtemp(path.join(os.tmpdir(), 'dr-browser-'));
    nextServer = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
      cwd: DASHBOARD_DIR,
      env: nextEnv({ DARKROOM_API_URL: h.baseUrl }),
      stdio: 'ignore',
    });
    await waitForHttp(`${base}/signin`, nextServer, 30_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await presence?.stop();
    await stripe.stop();
    if (work) await rm(work, { recursive: true, force: true });
    if (nextServer && nextServer.exitCode === null) {
      const exited = new Promise((r) => nextServer.once('exit', r));
      nextServer.kill('SIGTERM');
      await exited;
    }
    await h?.stop();
  }, 60_000);

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(20_000);
    contexts.push(context);
    return context.newPage();
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  async function signUp(page: Page, email: string, tenant: string): Promise<void> {
    await page.goto('/signup');
    await page.getByLabel('Organisation name').fill(tenant);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/overview');
  }

  it('sends visitors without a session to sign in, and rejects a wrong password', async () => {
    const page = await newPage();
    const first = await page.goto('/jobs');
    expect(first?.headers()['x-frame-options']).toBe('DENY');
    await page.waitForURL('**/signin?next=%2Fjobs');
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByText('wrong email or password'));
    await shot(page, '01-sign-in');
  }, 60_000);

  it('signs a new tenant up and shows its overview with the included credits', async () => {
    alicePage = await newPage();
    await signUp(alicePage, alice.email, alice.tenant);
    // The session is first-party to the dashboard: HTTP-only and Lax; the CSRF cookie is readable by the page.
    const cookies = await alicePage.context().cookies();
    const session = cookies.find((c) => c.name === 'dr_session');
    const csrf = cookies.find((c) => c.name === 'dr_csrf');
    expect([session?.httpOnly, session?.sameSite, session?.domain]).toEqual([true, 'Lax', '127.0.0.1']);
    expect(csrf?.httpOnly).toBe(false);
    await expectText(alicePage.getByTestId('balance'), '10');
    await expectText(alicePage.getByText('No jobs yet'));
    expect(await alicePage.getByRole('link', { name: 'Tenants' }).count()).toBe(0);
    await shot(alicePage, '02-overview-new-tenant');
  }, 60_000);

  it('creates an API key that is shown once and works against /v1', async () => {
    const page = alicePage;
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL('**/keys');
    await expectText(page.getByText('No API keys yet'));
    await page.getByLabel('Name').fill('render farm');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent())?.trim() ?? '';
    expect(key).toMatch(/^dk_[A-Za-z0-9_-]{43}$/);
    await expectText(page.getByTestId('api-key-row'), `${key.slice(0, 10)}…`);
    await shot(page, '03-api-key-created');

    const estimate = await fetch(`${h.baseUrl}/v1/jobs/credits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stages: [{ type: 'DIFFUSION', diffusion: { width: 512, height: 512, prompts: [{ text: 'x' }], steps: 4 } }] }),
    });
    expect(estimate.status).toBe(200);

    // Shown once: after a reload only the prefix is left.
    await page.reload();
    await expectText(page.getByTestId('api-key-row'), 'render farm');
    expect(await page.getByTestId('new-api-key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
  }, 60_000);

  it('composes a job in the playground, shows the estimate, and follows it to an image', async () => {
    const page = alicePage;
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse on a cliff at dusk');
    await page.getByLabel('Steps').fill('6');
    await page.getByLabel('Seed').fill('1234');
    await page.getByLabel('Images').fill('2');
    await page.getByLabel('Sampler').selectOption('Euler a');
    // 2 images × 512² × 6 steps at 0.01 credits per 512²-step.
    await expectText(page.getByTestId('estimate'), '0.12 credits');

    // A bad value is refused with the API's own message next to its field.
    await page.getByLabel('Width').fill('600');
    await expectText(page.locator('#width-error'), 'multiple of 64');
    await page.getByLabel('Width').fill('512');
    await expectText(page.getByTestId('estimate'), '0.12 credits');
    await shot(page, '04-playground');

    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForURL(/\/jobs\/\d+$/);
    aliceJobId = page.url().split('/').pop() ?? '';
    await page.locator('[data-testid="job-status"][data-status="SUCCESS"]').waitFor({ timeout: 30_000 });
    const images = page.getByTestId('output-image').locator('img');
    await images.nth(1).waitFor();
    expect(await images.count()).toBe(2);
    // Both images really loaded from their signed URLs, at the requested size.
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="output-image"] img')).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    const sizes = await images.evaluateAll((els) => els.map((e) => [(e as HTMLImageElement).naturalWidth, (e as HTMLImageElement).naturalHeight]));
    expect(sizes).toEqual([
      [512, 512],
      [512, 512],
    ]);
    await expectText(page.getByTestId('output-image').first(), 'seed 1234');
    await expectText(page.getByTestId('output-image').nth(1), 'seed 1235');
    await shot(page, '05-job-detail');

    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    const row = page.locator(`[data-testid="job-row"][data-job-id="${aliceJobId}"]`);
    await expectText(row, 'Done');
    await expectText(row, 'a lighthouse on a cliff at dusk');
    await shot(page, '06-jobs');

    await page.getByRole('link', { name: 'Credits & billing' }).click();
    await expectText(page.getByTestId('ledger-row').first(), 'Job settled');
    await expectText(page.getByTestId('billing-balance'), '9.88');
    await shot(page, '07-billing');

    await page.getByRole('link', { name: 'Overview' }).click();
    await expectText(page.getByTestId('count-SUCCESS'), '1');
    await page.getByRole('img', { name: /Credits spent per day/ }).waitFor();
    await shot(page, '12-overview-with-jobs');
  }, 90_000);

  it('lets an admin grant credits (keyboard only) and the tenant sees the ledger change', async () => {
    const page = (adminPage = await newPage());
    await page.goto('/signin');
    await page.getByLabel('Email').focus();
    await page.keyboard.type(admin.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(admin.password);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/overview');

    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByLabel('Search tenants').fill(alice.tenant);
    await page.getByRole('button', { name: 'Search' }).click();
    await waitForCount(page.getByTestId('tenant-row'), 1);
    await shot(page, '08-admin-tenants');
    await page.getByRole('link', { name: alice.tenant }).click();
    await expectText(page.getByTestId('tenant-balance'), '9.88');

    await page.getByLabel('Credits', { exact: true }).fill('25');
    await page.getByLabel('Reason', { exact: true }).fill('launch promotion');
    await page.getByLabel('Reason', { exact: true }).press('Enter');
    await expectText(page.getByRole('status').filter({ hasText: 'written to the ledger' }), '+25 credits');
    await expectText(page.getByTestId('tenant-balance'), '34.88');
    await expectText(page.getByTestId('ledger-row').first(), 'launch promotion');
    await shot(page, '09-admin-grant');

    await page.getByRole('link', { name: 'Live queue' }).click();
    await expectText(page.getByTestId('queue-pool').first(), 'Pool cpu');
    await shot(page, '10-admin-queue');

    const row = await h.prisma.ledgerEntry.findFirstOrThrow({ where: { reason: 'launch promotion' } });
    const adminUser = await h.prisma.user.findUniqueOrThrow({ where: { email: admin.email } });
    expect([row.kind, row.amount.toString(), row.actorUserId]).toEqual(['GRANT', '25', adminUser.id]);

    await alicePage.goto('/billing');
    await expectText(alicePage.getByTestId('ledger-row').first(), 'launch promotion');
    await expectText(alicePage.getByTestId('billing-balance'), '34.88');
  }, 60_000);

  it('buys credits through the test Stripe checkout and sees them on the balance and ledger', async () => {
    const page = alicePage;
    await page.getByRole('link', { name: 'Credits & billing' }).click();
    await page.getByRole('button', { name: 'Buy 100 credits (small)' }).click();
    await page.waitForURL(/\/pay\/cs_test_browser_\d+$/);
    await shot(page, '13-stripe-test-checkout');
    await page.getByRole('button', { name: 'Pay $10.00' }).click();
    await page.waitForURL('**/billing?checkout=success&session_id=cs_test_browser_*');
    await expectText(page.getByTestId('checkout-result'), 'Payment received');
    await expectText(page.getByTestId('billing-balance'), '134.88');
    await expectText(page.getByTestId('ledger-row').first(), 'Purchase');
    expect(stripe.deliveries).toEqual([{ eventId: 'evt_cs_test_browser_1', status: 200 }]);
    await shot(page, '14-billing-paid');
  }, 60_000);

  it('uploads a LoRA on the Models page, mints an access key, copies it, sees its use and revokes it', async () => {
    const page = alicePage;
    const loraPath = path.join(work, 'ink-style.safetensors');
    await generateTinyLora(loraPath, { family: 'sd15' });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.getByRole('link', { name: 'Models' }).click();
    await expectText(page.getByText('No models yet'));
    await page.getByLabel('Name', { exact: true }).fill('ink style');
    await page.getByLabel('Type').selectOption('LORA');
    await page.getByLabel('File (.safetensors)').setInputFiles(loraPath);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await expectText(page.getByTestId('upload-done'), 'is uploaded and ready');
    const row = page.getByTestId('model-row').first();
    await expectText(row, 'Ready');
    const modelId = (await row.getAttribute('data-model-id')) ?? '';
    // The bytes the browser sent are the file on the shared storage the workers read.
    const stored = await h.prisma.model.findUniqueOrThrow({ where: { id: BigInt(modelId) } });
    expect((await readFile(stored.storagePath)).equals(await readFile(loraPath))).toBe(true);

    await page.getByText('Mint a key').click();
    await page.getByLabel('Key name').fill('partner studio');
    await page.getByLabel('Usage limit').fill('10');
    await page.getByLabel(/^ink style/).check();
    await page.getByRole('button', { name: 'Mint access key' }).click();
    const key = ((await page.getByTestId('new-access-key').textContent()) ?? '').trim();
    expect(key).toMatch(/^dmk_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'Copied' }));
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await shot(page, '15-models');

    // Another tenant's program uses the LoRA with the key; the owner sees the use.
    const partner = await h.createTenant({ credits: 10 });
    const job = await h.call('POST', '/v1/jobs', { body: txt2img('with-partner-key', { lora: { items: [{ loraModel: modelId, loraAccessKey: key }] } }), headers: partner.auth });
    expect(job.status).toBe(200);
    await page.reload();
    await expectText(page.getByTestId('access-key-usage'), '1 / 10');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Revoke access key partner studio' }).click();
    await expectText(page.getByTestId('access-key-row'), 'revoked');
    const refused = await h.call('POST', '/v1/jobs', { body: txt2img('after-revoke', { lora: { items: [{ loraModel: modelId, loraAccessKey: key }] } }), headers: partner.auth });
    expect(refused.status).toBe(403);
  }, 60_000);

  it('adds an RSA app credential, invites a member who joins, and shows the webhooks page', async () => {
    const page = alicePage;
    await page.getByRole('link', { name: 'App credentials' }).click();
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    await page.getByLabel('Name').fill('render farm');
    await page.getByLabel('Public key (PEM)').fill(publicKey);
    await page.getByRole('button', { name: 'Add key' }).click();
    await expectText(page.getByTestId('credential-added'), 'app_');
    await expectText(page.getByTestId('credential-row'), 'render farm');
    await shot(page, '16-app-credentials');

    await page.getByRole('link', { name: 'Members' }).click();
    const email = `bob-${process.pid}-${Date.now()}@example.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = ((await page.getByTestId('invite-link').textContent()) ?? '').trim();
    expect(link).toContain('/invite/');
    await shot(page, '17-members-invite');
    const bob = await newPage();
    await bob.goto(link);
    await bob.getByLabel('Password').fill('member password 1');
    await bob.getByRole('button', { name: /join|accept|create/i }).click();
    await bob.waitForURL('**/overview');
    await bob.getByRole('link', { name: 'API keys' }).click();
    await expectText(bob.getByText('Only the account owner can create and revoke keys.'));
    await page.reload();
    await expectText(page.getByTestId('member-row').filter({ hasText: email }), 'Member');

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expectText(page.getByTestId('secret-hint'), 'whsec_');
    await shot(page, '18-webhooks');
  }, 60_000);

  it('shows the admin workers, failing jobs, catalogue and price pages; changes limits and views a tenant read-only', async () => {
    const page = adminPage;
    await page.getByRole('link', { name: 'Workers & pools' }).click();
    await expectText(page.getByTestId('worker-row').first(), 'browser-test-worker');
    await expectText(page.getByTestId('pool-row').first(), 'cpu');
    await shot(page, '19-admin-workers');
    await page.getByRole('link', { name: 'Failing jobs' }).click();
    await expectText(page.getByText('No failed jobs in the last 7 days'));
    await shot(page, '20-admin-failures');
    await page.getByRole('link', { name: 'Model catalogue' }).click();
    await expectText(page.getByTestId('default-SD1'), '(');
    await page.getByTestId('catalogue-row').first().waitFor();
    await shot(page, '21-admin-catalogue');
    await page.getByRole('link', { name: 'Price table' }).click();
    await page.getByLabel('Reason').fill('same prices, checked from the browser');
    await page.getByRole('button', { name: 'Publish a new version' }).click();
    await expectText(page.getByTestId('price-published'), 'is in force');
    await waitForCount(page.getByTestId('price-version-row'), 2);
    await shot(page, '22-admin-prices');

    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByLabel('Search tenants').fill(alice.tenant);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: alice.tenant }).click();
    await page.getByLabel('Rate limit (requests/s)').fill('42');
    await page.getByRole('button', { name: 'Save plan and limits' }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'Plan and limits saved' }));
    const tenantRow = await h.prisma.tenant.findFirstOrThrow({ where: { name: alice.tenant } });
    expect(tenantRow.rateLimitPerSec).toBe(42);
    await shot(page, '23-admin-tenant-controls');

    await page.getByRole('button', { name: 'View as this tenant' }).click();
    await page.waitForURL('**/overview');
    await expectText(page.getByTestId('impersonation-banner'), alice.tenant);
    await page.getByRole('link', { name: 'Models' }).click();
    await expectText(page.getByTestId('model-row'), 'ink style');
    expect(await page.getByRole('button', { name: 'Upload', exact: true }).count()).toBe(0);
    const refused = await page.evaluate(async () => {
      const csrf = document.cookie.split('; ').find((c) => c.startsWith('dr_csrf='))?.slice(8) ?? '';
      const res = await fetch('/dashboard-api/api-keys', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) }, body: JSON.stringify({ name: 'sneaky' }) });
      return [res.status, (await res.json()).message];
    });
    expect(refused).toEqual([403, expect.stringContaining('read-only')]);
    await shot(page, '24-admin-view-as-tenant');
    await page.getByRole('button', { name: 'End view' }).click();
    await page.waitForURL(`**/admin/tenants/${tenantRow.id}`);
  }, 60_000);

  it("keeps another tenant out of the first tenant's jobs and out of the admin pages", async () => {
    expect(aliceJobId).toMatch(/^\d+$/);
    const page = await newPage();
    await signUp(page, `mallory-${process.pid}-${Date.now()}@example.test`, 'Mallory Inc');
    await page.goto(`/jobs/${aliceJobId}`);
    await expectText(page.getByRole('alert'), 'Not found');
    expect(await page.getByTestId('output-image').count()).toBe(0);
    await page.goto('/jobs');
    await expectText(page.getByText('No jobs yet'));

    await page.goto('/admin/tenants');
    await expectText(page.getByRole('alert'), 'Access denied');
    expect(await page.getByTestId('tenant-row').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Tenants' }).count()).toBe(0);
    await shot(page, '11-admin-denied');

    const status = await page.evaluate(async (jobId) => {
      const admin = await fetch('/dashboard-api/admin/tenants');
      const job = await fetch(`/dashboard-api/jobs/${jobId}`);
      return [admin.status, job.status];
    }, aliceJobId);
    expect(status).toEqual([403, 404]);
  }, 60_000);

  it('signs out: the session cookie stops working', async () => {
    const page = alicePage;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/signin');
    await page.goto('/overview');
    await page.waitForURL('**/signin?next=%2Foverview');
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain('dr_session');
  }, 60_000);
});

/** Waits until the locator shows (and, if given, contains) the text: a failure names what was on the page. */
async function expectText(locator: ReturnType<Page['locator']>, text?: string): Promise<void> {
  await locator.first().waitFor({ state: 'visible' });
  if (text === undefined) return;
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.first().textContent()) ?? '';
    if (last.includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected "${text}" in ${locator}, found "${last}"`);
}

/** Waits until the locator matches exactly n elements (lists update after their answer arrives). */
async function waitForCount(locator: ReturnType<Page['locator']>, n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let count = -1;
  while (Date.now() < deadline) {
    count = await locator.count();
    if (count === n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${n} of ${locator}, found ${count}`);
}
