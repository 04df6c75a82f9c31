import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateTinyLora } from '@darkroom/testing';
import { createAdminUser } from '../src/dashboard/account/create-admin';
import { ApiHarness, txt2img } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

describe('dashboard API: models and access keys', () => {
  let h: ApiHarness;
  let owner: DashboardClient;
  let member: DashboardClient;
  let admin: DashboardClient;
  let tenantId: string;
  let work: string;
  let lora: Buffer;

  beforeAll(async () => {
    h = await ApiHarness.start();
    owner = new DashboardClient(h);
    tenantId = (await owner.signUp(uniqueEmail('models-owner'), 'Model Maker')).json.tenant.id;
    const invite = (await owner.call('POST', '/members/invites', { email: uniqueEmail('models-member') })).json;
    member = new DashboardClient(h);
    await member.call('POST', `/invites/${invite.token}/accept`, { password: 'member password 1' });
    const adminEmail = uniqueEmail('models-admin');
    await createAdminUser(h.prisma, { email: adminEmail, password: 'admin password 1' });
    admin = new DashboardClient(h);
    await admin.signIn(adminEmail, 'admin password 1');
    work = await mkdtemp(path.join(os.tmpdir(), 'dr-dash-models-'));
    await generateTinyLora(path.join(work, 'ink.safetensors'), { family: 'sd15' });
    lora = await readFile(path.join(work, 'ink.safetensors'));
  });
  afterAll(async () => {
    await h.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** What the browser does: PUT the bytes to the dashboard path (its proxy forwards it to the API unchanged). */
  const putFile = (putUrl: string, bytes: Buffer) =>
    fetch(h.baseUrl + putUrl, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes as unknown as BodyInit }).then(async (r) => ({ status: r.status, json: await r.json() }));

  let modelId = '';

  it('uploads a LoRA through dashboard paths and shows it READY in the list', async () => {
    expect((await owner.call('GET', '/models')).json).toEqual({ models: [], accessKeys: [] });
    const started = await owner.call('POST', '/models/uploads', { name: 'ink', modelType: 'LORA', baseModel: 'SD1', files: [{ path: 'ink.safetensors', bytes: lora.length }] });
    expect(started.status).toBe(200);
    modelId = started.json.model.id;
    const putUrl: string = started.json.uploads[0].putUrl;
    expect(putUrl).toMatch(new RegExp(`^/dashboard-api/models/uploads/${modelId}/${lora.length}/ink\\.safetensors\\?exp=\\d+&sig=`));
    // The signature covers the /v1 path: a dashboard path for another model or size is refused.
    expect((await putFile(putUrl.replace(`/${lora.length}/`, '/5/'), lora.subarray(0, 5))).status).toBe(403);
    expect((await putFile(putUrl, lora)).json).toMatchObject({ modelId, bytes: lora.length });
    const done = await owner.call('POST', `/models/${modelId}/complete`);
    expect(done.json.model).toMatchObject({ status: 'READY', visibility: 'PRIVATE', fileBytes: lora.length });
    const listed = (await member.call('GET', '/models')).json.models;
    expect(listed.map((m: { id: string; status: string }) => [m.id, m.status])).toEqual([[modelId, 'READY']]);
  });

  it('refuses bad uploads and registrations with field errors', async () => {
    const bad = await owner.call('POST', '/models/uploads', { name: '', modelType: 'LORA', baseModel: 'SD9', files: [] });
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['baseModel', 'files', 'name']);
    const reg = await owner.call('POST', '/models', { name: 'on-disk', modelType: 'CHECKPOINT', baseModel: 'SD1', storagePath: '../other-tenant/x' });
    expect(reg.json.details[0].field).toBe('storagePath');
    const ok = await owner.call('POST', '/models', { name: 'on-disk', modelType: 'CHECKPOINT', baseModel: 'SD1', storagePath: 'sd15-folder' });
    expect(ok.json.model).toMatchObject({ status: 'READY', storagePath: `tenants/${tenantId}/sd15-folder` });
  });

  it('changes visibility and mints, lists and revokes access keys with their usage', async () => {
    expect((await owner.call('POST', `/models/${modelId}/settings`, { visibility: 'PUBLIC' })).json.model.visibility).toBe('PUBLIC');
    expect((await owner.call('POST', `/models/${modelId}/settings`, { visibility: 'HIDDEN' })).json.details[0].field).toBe('visibility');
    await owner.call('POST', `/models/${modelId}/settings`, { visibility: 'PRIVATE' });

    const minted = await owner.call('POST', '/models/access-keys', { name: 'for a partner', modelIds: [modelId], usageLimit: 5, feePerJob: 0.5 });
    expect(minted.json.key).toMatch(/^dmk_/);
    expect(minted.json.accessKey).toMatchObject({ name: 'for a partner', modelIds: [modelId], usageLimit: 5, usageCount: 0, feePerJob: 0.5, status: 'active' });
    expect((await owner.call('POST', '/models/access-keys', { name: 'x', modelIds: ['123'] })).status).toBe(404);

    // A partner uses it once from the API: the usage shows on the page.
    const partner = await h.createTenant({ credits: 10 });
    const job = await h.call('POST', '/v1/jobs', { body: txt2img('partner-1', { lora: { items: [{ loraModel: modelId, loraAccessKey: minted.json.key }] } }), headers: partner.auth });
    expect(job.status).toBe(200);
    const listed = (await owner.call('GET', '/models')).json.accessKeys[0];
    expect(listed).toMatchObject({ usageCount: 1, lastUsedAt: expect.any(String) });
    expect(JSON.stringify((await owner.call('GET', '/models')).json)).not.toContain(minted.json.key);

    const revoked = await owner.call('DELETE', `/models/access-keys/${minted.json.accessKey.id}`);
    expect(revoked.json.accessKey.status).toBe('revoked');
    const after = await h.call('POST', '/v1/jobs', { body: txt2img('partner-2', { lora: { items: [{ loraModel: modelId, loraAccessKey: minted.json.key }] } }), headers: partner.auth });
    expect(after.status).toBe(403);
  });

  it('keeps members and admins viewing the tenant read-only', async () => {
    for (const [method, p, body] of [
      ['POST', '/models/uploads', { name: 'm', modelType: 'LORA', baseModel: 'SD1', files: [{ path: 'a.safetensors', bytes: 1 }] }],
      ['POST', '/models/access-keys', { name: 'm', modelIds: [modelId] }],
      ['POST', `/models/${modelId}/settings`, { visibility: 'PUBLIC' }],
    ] as Array<[string, string, unknown]>) {
      expect({ p, status: (await member.call(method, p, body)).status }).toEqual({ p, status: 403 });
    }
    await admin.call('POST', '/admin/impersonation', { tenantId });
    expect((await admin.call('GET', '/models')).json.models.length).toBe(2);
    const refused = await admin.call('POST', '/models/access-keys', { name: 'm', modelIds: [modelId] });
    expect([refused.status, refused.json.message]).toEqual([403, expect.stringContaining('read-only')]);
    await admin.call('DELETE', '/admin/impersonation');
    // Another tenant sees none of it.
    const stranger = new DashboardClient(h);
    await stranger.signUp(uniqueEmail('models-stranger'));
    expect((await stranger.call('GET', '/models')).json).toEqual({ models: [], accessKeys: [] });
    expect((await stranger.call('POST', `/models/${modelId}/complete`)).status).toBe(404);
  });
});
