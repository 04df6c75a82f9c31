import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError, GrpcCode, type ModelFileReceived, type StartModelUploadResponse } from '@darkroom/contracts';
import { nextId, parseId, type PrismaClient } from '@darkroom/db';
import type { UrlSigner } from '@darkroom/storage';
import { ownModelView, type OwnModelView } from './catalogue.service';
import { checkUploadedItem, layoutIssues, SINGLE_FILE_TYPES } from './model-file-check';
import { MODEL_FILE_PATH, startModelUploadSchema } from './model-uploads.schemas';
import { validateInput } from './validate-input';

/** Where an upload's PUTs go; the declared size is part of the signed path, so a client cannot change it. */
export const UPLOAD_PREFIX = '/v1/catalogue/uploads/';
export const modelUploadPath = (modelId: string, bytes: number, file: string) => `${UPLOAD_PREFIX}${modelId}/${bytes}/${file}`;

/** The declared files, kept next to them (a name no uploaded path can have: paths never start with "."). */
const MANIFEST = '.upload.json';

/** Splits the path of a PUT (`/v1/catalogue/uploads/<modelId>/<bytes>/<file>`) into its parts, or null. */
export function parseUploadPath(pathname: string): { modelId: string; bytes: number; file: string } | null {
  const m = /^\/v1\/catalogue\/uploads\/(\d{1,20})\/(\d{1,15})\/(.+)$/.exec(pathname);
  if (!m || !MODEL_FILE_PATH.test(m[3])) return null;
  return { modelId: m[1], bytes: Number(m[2]), file: m[3] };
}

/**
 * Tenants' uploads of checkpoints, LoRAs, embeddings, VAEs and ControlNets: declare the item and its files, PUT
 * each file to its signed URL (streamed to disk, size and SHA-256 checked), then complete: the files are checked
 * the way a worker loads them and the item becomes READY. Until then jobs cannot use it.
 *
 * Files live under STORAGE_DIR/models/<tenant>/<model>/, the volume the API and every worker share; the item's
 * storagePath is that absolute folder (or file, for single-file types), which workers open as is.
 */
/** How long an upload whose URLs expired may still be completed before the maintenance removes it. */
export const ABANDONED_UPLOAD_GRACE_MS = 24 * 3_600_000;

export class ModelUploadsService {
  private readonly root: string;

  constructor(
    private readonly prisma: PrismaClient,
    storageDir: string,
    private readonly signer: UrlSigner,
  ) {
    this.root = path.resolve(storageDir, 'models');
  }

  private folderOf(tenantId: string, modelId: string): string {
    return path.join(this.root, tenantId, modelId);
  }

  /**
   * Removes uploads nobody completed: items still PENDING_UPLOAD or UPLOADING whose upload URLs expired more than
   * `graceMs` before `now`, with their files (run by the hourly maintenance). Returns how many went.
   */
  async sweepAbandoned(now = new Date(), graceMs = ABANDONED_UPLOAD_GRACE_MS): Promise<number> {
    const unfinished = ['PENDING_UPLOAD', 'UPLOADING'] as const;
    const stale = await this.prisma.model.findMany({
      where: { status: { in: [...unfinished] }, uploadExpiresAt: { lt: new Date(now.getTime() - graceMs) } },
      select: { id: true, ownerTenantId: true },
    });
    let removed = 0;
    for (const m of stale) {
      // Conditional on the status, so that a completion that won the race keeps its item.
      const { count } = await this.prisma.model.deleteMany({ where: { id: m.id, status: { in: [...unfinished] } } });
      if (!count) continue;
      if (m.ownerTenantId) await rm(this.folderOf(m.ownerTenantId, m.id.toString()), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  async start(tenantId: string, body: unknown): Promise<StartModelUploadResponse> {
    const input = validateInput(startModelUploadSchema, body);
    const layout = layoutIssues(input.modelType, input.files);
    if (layout.length) throw DomainError.invalid(layout);
    const clash = await this.prisma.model.findFirst({ where: { ownerTenantId: tenantId, name: input.name, modelType: input.modelType } });
    if (clash) throw DomainError.alreadyExists(`you already have a ${input.modelType} named "${input.name}" (${clash.id})`, [{ field: 'name', rule: 'unique', message: 'already used' }]);

    const id = nextId();
    const dir = this.folderOf(tenantId, id.toString());
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, MANIFEST), JSON.stringify({ files: input.files }));
    const now = Date.now();
    const expiresAt = new Date(now + input.expireSec * 1000);
    const { files, expireSec, ...meta } = input;
    const model = await this.prisma.model.create({
      data: {
        ...meta,
        id,
        ownerTenantId: tenantId,
        storagePath: SINGLE_FILE_TYPES.has(input.modelType) ? path.join(dir, files[0].path) : dir,
        status: 'PENDING_UPLOAD',
        uploadBytes: BigInt(files.reduce((a, f) => a + f.bytes, 0)),
        uploadExpiresAt: expiresAt,
      },
    });
    const uploads = files.map((f) => ({
      path: f.path,
      bytes: f.bytes,
      putUrl: this.signer.sign('PUT', modelUploadPath(id.toString(), f.bytes, f.path), expireSec, now).url,
      headers: { 'Content-Type': 'application/octet-stream' },
    }));
    return { model: ownModelView(model), uploads, expiresAt: expiresAt.toISOString() };
  }

  /** One file's bytes, from a signed PUT (the signature is the credential). Sending a file again replaces it. */
  async receive(pathname: string, exp: string | undefined, sig: string | undefined, body: unknown): Promise<ModelFileReceived> {
    const check = this.signer.verify('PUT', pathname, exp, sig);
    const target = check === 'ok' ? parseUploadPath(pathname) : null;
    if (!target) {
      throw DomainError.permissionDenied(check === 'expired' ? 'the upload URL has expired' : 'the upload URL signature is not valid', [{ field: 'sig', rule: check === 'ok' ? 'invalid' : check, message: 'signed upload URL' }]);
    }
    const model = await this.prisma.model.findUnique({ where: { id: BigInt(target.modelId) } });
    if (!model || !model.ownerTenantId) throw DomainError.notFound(`model ${target.modelId}`, 'modelId');
    if (model.status === 'READY') throw DomainError.failedPrecondition(`model ${target.modelId} is complete; its files cannot change`, [{ field: 'modelId', rule: 'complete', message: 'already complete' }]);

    const file = path.join(this.folderOf(model.ownerTenantId, target.modelId), target.file);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.part`;
    const hash = createHash('sha256');
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (received > target.bytes) return done(DomainError.invalid([{ field: 'body', rule: 'size', message: `is longer than the declared ${target.bytes} bytes` }]));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body instanceof Readable ? body : null;
    if (!source) throw DomainError.invalid([{ field: 'body', rule: 'required', message: 'send the file bytes as application/octet-stream' }]);
    try {
      await pipeline(source, counter, createWriteStream(tmp));
      if (received !== target.bytes) throw DomainError.invalid([{ field: 'body', rule: 'size', message: `has ${received} bytes; ${target.bytes} were declared` }]);
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    if (model.status === 'PENDING_UPLOAD') await this.prisma.model.updateMany({ where: { id: model.id, status: 'PENDING_UPLOAD' }, data: { status: 'UPLOADING' } });
    return { modelId: target.modelId, path: target.file, bytes: received, sha256: hash.digest('hex') };
  }

  /** Checks that every declared file is there and loads as its type; the item is READY afterwards. Idempotent. */
  async complete(tenantId: string, modelId: string): Promise<OwnModelView> {
    const id = parseId(modelId);
    const model = id === null ? null : await this.prisma.model.findFirst({ where: { id, ownerTenantId: tenantId } });
    if (!model) throw DomainError.notFound(`model ${modelId} of yours`, 'modelId');
    if (model.status === 'READY') return ownModelView(model);
    const dir = this.folderOf(tenantId, modelId);
    const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8').catch(() => '{"files":[]}')) as { files: Array<{ path: string; bytes: number }> };
    const missing: Array<{ field: string; rule: string; message: string }> = [];
    for (const [i, f] of manifest.files.entries()) {
      const size = (await stat(path.join(dir, f.path)).catch(() => null))?.size;
      if (size !== f.bytes) missing.push({ field: `files[${i}]`, rule: 'missing', message: `${f.path} has not been uploaded` });
    }
    if (missing.length) {
      throw new DomainError(GrpcCode.FAILED_PRECONDITION, `${missing.length} of ${manifest.files.length} files are not uploaded yet (${missing.map((m) => m.message.split(' ')[0]).join(', ')})`, missing);
    }
    const problem = await checkUploadedItem(model.modelType, model.baseModel, dir, manifest.files.map((f) => f.path));
    if (problem) {
      await this.prisma.model.update({ where: { id: model.id }, data: { uploadError: problem } });
      throw new DomainError(GrpcCode.INVALID_ARGUMENT, `the upload cannot be used: ${problem}`, [{ field: 'files', rule: 'content', message: problem }]);
    }
    const done = await this.prisma.model.update({
      where: { id: model.id },
      data: { status: 'READY', uploadError: '', fileBytes: model.uploadBytes, uploadedAt: new Date(), uploadExpiresAt: null },
    });
    return ownModelView(done);
  }
}
