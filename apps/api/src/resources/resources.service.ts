import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import type { ApiEnv } from '@darkroom/config';
import { DomainError, GrpcCode, parseCreateResourceRequest } from '@darkroom/contracts';
import type { PrismaClient } from '@darkroom/db';
import type { BlobStore, UrlSigner } from '@darkroom/storage';
import { BLOB_STORE, CONFIG, PRISMA, URL_SIGNER } from '../platform/tokens';

const SHORT_TERM_MS = 7 * 86_400_000;
const MAX_SIDE = 8192;
const FORMATS: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export const uploadPath = (resourceId: string) => `/v1/resource/upload/${resourceId}`;

/** Input images: a signed PUT URL first, then the bytes, checked to be a real image of bounded size. */
@Injectable()
export class ResourcesService {
  constructor(
    @Inject(CONFIG) private readonly config: ApiEnv,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(URL_SIGNER) private readonly signer: UrlSigner,
  ) {}

  async createImage(tenantId: string, body: unknown) {
    const parsed = parseCreateResourceRequest(body ?? {});
    if (!parsed.ok) throw DomainError.invalid(parsed.issues);
    const { expireSec, term } = parsed.value;
    const id = `img_${randomBytes(12).toString('hex')}`;
    const now = Date.now();
    await this.prisma.resource.create({
      data: {
        id,
        tenantId,
        term,
        storageKey: `resources/${tenantId}/${id}`,
        uploadExpiresAt: new Date(now + expireSec * 1000),
        expiresAt: term === 'SHORT' ? new Date(now + SHORT_TERM_MS) : null,
      },
    });
    const { url } = this.signer.sign('PUT', uploadPath(id), expireSec, now);
    return { resourceId: id, putUrl: url, headers: { 'Content-Type': 'application/octet-stream' } };
  }

  async upload(resourceId: string, exp: string | undefined, sig: string | undefined, data: unknown) {
    const check = this.signer.verify('PUT', uploadPath(resourceId), exp, sig);
    if (check !== 'ok') {
      throw new DomainError(GrpcCode.PERMISSION_DENIED, check === 'expired' ? 'the upload URL has expired' : 'the upload URL signature is not valid', [
        { field: 'sig', rule: check, message: 'signed upload URL' },
      ]);
    }
    const resource = await this.prisma.resource.findUnique({ where: { id: resourceId } });
    if (!resource) throw new DomainError(GrpcCode.NOT_FOUND, `resource ${resourceId} not found`, []);
    if (!Buffer.isBuffer(data) || data.length === 0) {
      throw new DomainError(GrpcCode.INVALID_ARGUMENT, 'the upload body must be the image bytes', [{ field: 'body', rule: 'required', message: 'empty body' }]);
    }
    if (data.length > this.config.UPLOAD_MAX_BYTES) {
      throw new DomainError(GrpcCode.INVALID_ARGUMENT, `the image is larger than ${this.config.UPLOAD_MAX_BYTES} bytes`, [{ field: 'body', rule: 'max_size', message: 'too large' }]);
    }
    const meta = await sharp(data).metadata().catch(() => null);
    const contentType = meta?.format ? FORMATS[meta.format] : undefined;
    if (!meta || !contentType || !meta.width || !meta.height) {
      throw new DomainError(GrpcCode.INVALID_ARGUMENT, 'the upload is not a PNG, JPEG or WebP image', [{ field: 'body', rule: 'image_type', message: 'PNG, JPEG or WebP' }]);
    }
    if (meta.width > MAX_SIDE || meta.height > MAX_SIDE) {
      throw new DomainError(GrpcCode.INVALID_ARGUMENT, `the image is ${meta.width}×${meta.height}; at most ${MAX_SIDE} pixels a side`, [{ field: 'body', rule: 'max_dimensions', message: `≤ ${MAX_SIDE}` }]);
    }
    await this.blobs.put(resource.storageKey, data, contentType);
    await this.prisma.resource.update({
      where: { id: resourceId },
      data: { status: 'READY', contentType, bytes: data.length, width: meta.width, height: meta.height, uploadedAt: new Date() },
    });
    return { resourceId, width: meta.width, height: meta.height, contentType };
  }
}
