import type { IncomingMessage } from 'node:http';
import { errorCodes } from 'fastify';

/** URL prefixes whose application/octet-stream bodies are model files: handed over as the stream, not buffered. */
export const STREAMED_UPLOAD_PREFIXES = ['/v1/catalogue/uploads/', '/dashboard-api/models/uploads/'];

type Done = (err: Error | null, body?: unknown) => void;

/**
 * The application/octet-stream parser: a model file (gigabytes) goes to its handler as the request stream, which
 * writes it to disk with its own size check; any other body (an input image) is read into memory up to `limit`.
 */
export function octetStreamParser(limit: number) {
  return (req: { url: string }, payload: IncomingMessage, done: Done): void => {
    if (STREAMED_UPLOAD_PREFIXES.some((p) => req.url.startsWith(p))) return done(null, payload);
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        payload.removeAllListeners('data');
        payload.resume();
        done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
        return;
      }
      chunks.push(chunk);
    });
    payload.on('end', () => {
      if (size <= limit) done(null, Buffer.concat(chunks));
    });
    payload.on('error', (e) => done(e));
  };
}
