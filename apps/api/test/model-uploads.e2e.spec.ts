import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createOnnxJobRunner } from '@darkroom/inference';
import { generateTinyLora, generateTinySd15, generateTinySdxl } from '@darkroom/testing';
import { ABANDONED_UPLOAD_GRACE_MS, ModelUploadsService } from '../src/catalogue/model-uploads.service';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

/** Every file under dir, as {path relative to dir, bytes}, sorted. */
async function filesOf(dir: string, under = ''): Promise<Array<{ path: string; bytes: number }>> {
  const out: Array<{ path: string; bytes: number }> = [];
  for (const entry of await readdir(path.join(dir, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesOf(dir, rel)));
    else out.push({ path: rel, bytes: (await stat(path.join(dir, rel))).size });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

describe('model uploads: private checkpoints and LoRAs, files to storage, used by jobs', () => {
  let h: ApiHarness;
  let owner: TestTenant;
  let other: TestTenant;
  let work: string;
  let sd15Dir: string;
  let loraFile: string;

  beforeAll(async () => {
    h = await ApiHarness.start();
    owner = await h.createTenant({ credits: 100 });
    other = await h.createTenant({ credits: 100 });
    work = await mkdtemp(path.join(os.tmpdir(), 'dr-uploads-'));
    sd15Dir = path.join(work, 'my-sd15');
    await generateTinySd15(sd15Dir);
    loraFile = path.join(work, 'style.safetensors');
    await generateTinyLora(loraFile, { family: 'sd15', strength: 2 });
    h.startWorker({ runner: createOnnxJobRunner({ executionProvider: 'cpu' }) });
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await rm(work, { recursive: true, force: true });
  });

  const start = (body: unknown, tenant = owner) => h.call('POST', '/v1/catalogue/uploads', { body, headers: tenant.auth });
  const put = (url: string, bytes: Buffer) => fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes as unknown as BodyInit }).then(async (r) => ({ status: r.status, json: await r.json() }));
  const complete = (id: string, tenant = owner) => h.call('POST', `/v1/catalogue/models/${id}/complete`, { headers: tenant.auth });

  async function uploadFolder(dir: string, meta: Record<string, unknown>) {
    const files = await filesOf(dir);
    const started = await start({ ...meta, files });
    expect(started.status).toBe(200);
    for (const u of started.json.uploads) expect((await put(u.putUrl, await readFile(path.join(dir, u.path)))).status).toBe(200);
    return started.json;
  }

  it('refuses a bad declaration with the field and rule', async () => {
    const lora = { name: 'x', modelType: 'LORA', baseModel: 'SD1' };
    const two = await start({ ...lora, files: [{ path: 'a.safetensors', bytes: 1 }, { path: 'b.safetensors', bytes: 1 }] });
    expect([two.status, two.json.details[0]]).toEqual([400, expect.objectContaining({ field: 'files', rule: 'single_file' })]);
    expect((await start({ ...lora, files: [{ path: 'a.ckpt', bytes: 1 }] })).json.details[0]).toMatchObject({ field: 'files[0].path', rule: 'safetensors' });
    expect((await start({ ...lora, files: [{ path: '../a.safetensors', bytes: 1 }] })).json.details[0].field).toBe('files[0].path');
    expect((await start({ ...lora, files: [{ path: 'a.safetensors', bytes: 0 }] })).json.details[0].field).toBe('files[0].bytes');
    const ckpt = await start({ name: 'c', modelType: 'CHECKPOINT', baseModel: 'SD1', files: [{ path: 'unet/model.onnx', bytes: 10 }] });
    expect(ckpt.json.details[0]).toMatchObject({ field: 'files', rule: 'layout', description: expect.stringContaining('model_index.json') });
    expect((await h.call('POST', '/v1/catalogue/uploads', { body: { ...lora, files: [] } })).status).toBe(401);
  });

  let checkpointId = '';
  let loraId = '';

  it('uploads an ONNX checkpoint folder: signed PUTs with size checks, complete only when every file is there', async () => {
    const files = await filesOf(sd15Dir);
    const started = await start({ name: 'my-sd15', modelType: 'CHECKPOINT', baseModel: 'SD1', description: 'tiny', files });
    expect(started.status).toBe(200);
    checkpointId = started.json.model.id;
    expect(started.json.model).toMatchObject({ status: 'PENDING_UPLOAD', visibility: 'PRIVATE', uploadBytes: files.reduce((a, f) => a + f.bytes, 0) });
    const byPath = new Map(started.json.uploads.map((u: { path: string; putUrl: string }) => [u.path, u.putUrl]));
    const first = files[0];
    const url = byPath.get(first.path) as string;
    const bytes = await readFile(path.join(sd15Dir, first.path));

    // A job cannot use it yet.
    const early = await h.call('POST', '/v1/jobs', { body: txt2img('early', { sdModel: checkpointId }), headers: owner.auth });
    expect([early.status, early.json.details[0].rule]).toEqual([400, 'not_ready']);
    // The size is part of the signed URL: more or fewer bytes are refused; a changed URL is not signed.
    expect((await put(url, Buffer.concat([bytes, Buffer.from('x')]))).json.details[0]).toMatchObject({ field: 'body', rule: 'size' });
    expect((await put(url, bytes.subarray(1))).json.details[0].description).toContain(`${first.bytes} were declared`);
    expect((await put(url.replace(`/${first.bytes}/`, `/${first.bytes + 1}/`), bytes)).status).toBe(403);
    expect((await put(url.replace(/sig=[^&]+/, 'sig=AAAA'), bytes)).status).toBe(403);

    const ok = await put(url, bytes);
    expect(ok).toEqual({ status: 200, json: expect.objectContaining({ modelId: checkpointId, path: first.path, bytes: first.bytes, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }) });
    const partial = await complete(checkpointId);
    expect(partial.status).toBe(400);
    expect(partial.json.details).toHaveLength(files.length - 1);
    expect(partial.json.details[0]).toMatchObject({ rule: 'missing' });

    for (const f of files.slice(1)) expect((await put(byPath.get(f.path) as string, await readFile(path.join(sd15Dir, f.path)))).status).toBe(200);
    const done = await complete(checkpointId);
    expect(done.status).toBe(200);
    expect(done.json.model).toMatchObject({ id: checkpointId, status: 'READY', fileBytes: started.json.model.uploadBytes, uploadError: '' });
    expect((await complete(checkpointId)).json.model.status).toBe('READY'); // idempotent
    // Complete: the files cannot change any more.
    expect((await put(url, bytes)).json.details[0].rule).toBe('complete');
    // The files are on the shared storage volume, where the item's storagePath points.
    const row = await h.prisma.model.findUniqueOrThrow({ where: { id: BigInt(checkpointId) } });
    expect(row.storagePath).toBe(path.resolve(h.config.STORAGE_DIR, 'models', owner.id, checkpointId));
    expect((await readFile(path.join(row.storagePath, first.path))).equals(bytes)).toBe(true);
  }, 60_000);

  it('uploads a LoRA; a job on the uploaded checkpoint with the LoRA runs on the engine, and the LoRA changes the image', async () => {
    const bytes = await readFile(loraFile);
    const started = await start({ name: 'my-style', modelType: 'LORA', baseModel: 'SD1', files: [{ path: 'style.safetensors', bytes: bytes.length }] });
    loraId = started.json.model.id;
    expect((await put(started.json.uploads[0].putUrl, bytes)).status).toBe(200);
    expect((await complete(loraId)).json.model.status).toBe('READY');
    expect((await h.call('GET', '/v1/catalogue/models', { headers: owner.auth })).json.models.map((m: { id: string; status: string }) => [m.id, m.status])).toEqual(
      expect.arrayContaining([[checkpointId, 'READY'], [loraId, 'READY']]),
    );

    const image = async (requestId: string, loras: unknown[]) => {
      const body = { requestId, stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 42, count: 1 } }, txt2img(requestId, { sdModel: checkpointId, steps: 2, lora: { items: loras } }).stages[0]] };
      const created = await h.call('POST', '/v1/jobs', { body, headers: owner.auth });
      expect(created.status).toBe(200);
      const job = await h.waitForStatus(owner, created.json.job.id, ['SUCCESS', 'FAILED'], 60_000);
      expect(job.failedInfo).toBeUndefined();
      return sharp(Buffer.from(await (await fetch(job.successInfo.images[0].url)).arrayBuffer())).raw().toBuffer();
    };
    const plain = await image('plain', []);
    const styled = await image('styled', [{ loraModel: loraId, weight: 1 }]);
    let diff = 0;
    for (let i = 0; i < plain.length; i++) diff += Math.abs(plain[i] - styled[i]);
    expect(diff / plain.length).toBeGreaterThan(0.5);
  }, 120_000);

  it('checks the content on complete: a damaged LoRA and a folder of the wrong family are refused with the reason', async () => {
    const junk = Buffer.from('not a safetensors file at all');
    const bad = await start({ name: 'broken', modelType: 'LORA', baseModel: 'SD1', files: [{ path: 'broken.safetensors', bytes: junk.length }] });
    await put(bad.json.uploads[0].putUrl, junk);
    const refused = await complete(bad.json.model.id);
    expect([refused.status, refused.json.details[0].rule, refused.json.message]).toEqual([400, 'content', expect.stringContaining('broken.safetensors is not a safetensors file')]);
    const listed = (await h.call('GET', '/v1/catalogue/models', { headers: owner.auth })).json.models.find((m: { id: string }) => m.id === bad.json.model.id);
    expect(listed).toMatchObject({ status: 'UPLOADING', uploadError: expect.stringContaining('not a safetensors file') });

    const sdxlDir = path.join(work, 'xl');
    await generateTinySdxl(sdxlDir);
    const xl = await uploadFolder(sdxlDir, { name: 'xl-as-sd1', modelType: 'CHECKPOINT', baseModel: 'SD1' });
    const wrong = await complete(xl.model.id);
    expect(wrong.json.message).toContain('is an SDXL model, not SD1');
  }, 60_000);

  it("keeps a private upload to its owner; another tenant uses it only with an access key", async () => {
    expect((await h.call('GET', `/v1/models/${checkpointId}`, { headers: other.auth })).status).toBe(404);
    expect((await complete(checkpointId, other)).status).toBe(404);
    const denied = await h.call('POST', '/v1/jobs', { body: txt2img('other-1', { sdModel: checkpointId, steps: 2 }), headers: other.auth });
    expect(denied.status).toBe(403);
    const minted = await h.call('POST', '/v1/catalogue/access-keys', { body: { name: 'for other', modelIds: [checkpointId] }, headers: owner.auth });
    const allowed = await h.call('POST', '/v1/jobs', { body: txt2img('other-2', { sdModel: checkpointId, steps: 2, modelAccessKey: minted.json.key }), headers: other.auth });
    expect(allowed.status).toBe(200);
    expect((await h.waitForStatus(other, allowed.json.job.id, ['SUCCESS', 'FAILED'], 60_000)).status).toBe('SUCCESS');
  }, 90_000);

  it('streams a file larger than the image upload limit (not buffered under UPLOAD_MAX_BYTES)', async () => {
    const big = Buffer.alloc(h.config.UPLOAD_MAX_BYTES + 1024 * 1024, 7);
    const file = path.join(work, 'big.safetensors');
    const header = Buffer.from(JSON.stringify({ w: { dtype: 'U8', shape: [big.length], data_offsets: [0, big.length] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    await writeFile(file, Buffer.concat([len, header, big]));
    const bytes = await readFile(file);
    const started = await start({ name: 'big', modelType: 'TEXTUAL_INVERSION', baseModel: 'SD1', files: [{ path: 'big.safetensors', bytes: bytes.length }] });
    expect((await put(started.json.uploads[0].putUrl, bytes)).json.bytes).toBe(bytes.length);
    expect((await complete(started.json.model.id)).json.model.status).toBe('READY');
    // An image upload over the limit is still refused.
    const res = await h.call('POST', '/v1/resource/image', { body: {}, headers: owner.auth });
    const tooBig = await fetch(res.json.putUrl, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: big as unknown as BodyInit });
    expect(tooBig.status).toBe(400);
  }, 60_000);

  it('removes uploads nobody completed a day after their URLs expired, files included; complete items stay', async () => {
    const half = await start({ name: 'left-behind', modelType: 'LORA', baseModel: 'SD1', files: [{ path: 'w.safetensors', bytes: 64 }], expireSec: 60 });
    expect(half.status).toBe(200);
    const id: string = half.json.model.id;
    const folder = path.join(h.config.STORAGE_DIR, 'models', owner.id, id);
    expect((await stat(folder)).isDirectory()).toBe(true);
    const uploads = h.app.get(ModelUploadsService);
    const ready = await h.prisma.model.count({ where: { status: 'READY' } });

    const expiredAt = Date.now() + 60_000;
    expect(await uploads.sweepAbandoned(new Date(expiredAt + ABANDONED_UPLOAD_GRACE_MS - 60_000))).toBe(0);
    expect(await uploads.sweepAbandoned(new Date(expiredAt + ABANDONED_UPLOAD_GRACE_MS + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await h.prisma.model.findUnique({ where: { id: BigInt(id) } })).toBeNull();
    await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await h.prisma.model.count({ where: { status: 'READY' } })).toBe(ready);
    expect((await complete(id)).status).toBe(404);
  });
});
