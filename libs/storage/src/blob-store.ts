import type { Readable } from 'node:stream';

export interface BlobInfo {
  size: number;
  contentType?: string;
}

/** Where the platform keeps bytes: uploads, outputs, previews. Keys are relative paths like `outputs/t/j/0-0.png`. */
export interface BlobStore {
  put(key: string, data: Buffer, contentType?: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  stream(key: string): Promise<Readable>;
  stat(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob not found: ${key}`);
  }
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Keys are plain relative paths: no `..`, no leading `/` or `.`, no backslashes, bounded length. */
export function assertValidKey(key: string): void {
  if (key.length > 512 || !KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
  }
}
