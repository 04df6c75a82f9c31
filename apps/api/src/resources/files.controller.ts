import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, GrpcCode } from '@darkroom/contracts';
import { BlobNotFoundError, BlobStore, UrlSigner } from '@darkroom/storage';
import { BLOB_STORE, URL_SIGNER } from '../platform/tokens';

/** Signed, expiring downloads of outputs and previews: /v1/files/<key>?exp=…&sig=… */
@Controller('v1/files')
export class FilesController {
  constructor(
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(URL_SIGNER) private readonly signer: UrlSigner,
  ) {}

  @Get('*')
  async download(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('exp') exp?: string, @Query('sig') sig?: string) {
    const pathname = decodeURIComponent(req.url.split('?')[0]);
    const check = this.signer.verify('GET', pathname, exp, sig);
    if (check !== 'ok') {
      throw new DomainError(GrpcCode.PERMISSION_DENIED, check === 'expired' ? 'the download URL has expired' : 'the download URL signature is not valid', [
        { field: 'sig', rule: check, message: 'signed download URL' },
      ]);
    }
    const key = pathname.slice('/v1/files/'.length);
    try {
      const info = await this.blobs.stat(key);
      if (!info) throw new BlobNotFoundError(key);
      const stream = await this.blobs.stream(key);
      return reply
        .header('content-type', info.contentType ?? 'application/octet-stream')
        .header('content-length', String(info.size))
        .header('cache-control', 'private, max-age=300')
        .send(stream);
    } catch (e) {
      if (e instanceof BlobNotFoundError) throw new DomainError(GrpcCode.NOT_FOUND, 'file not found', []);
      throw e;
    }
  }
}
