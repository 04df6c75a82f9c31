import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { assertValidKey, BlobInfo, BlobNotFoundError, BlobStore } from './blob-store';

/** Blobs as files under one directory. Writes are atomic (temp file + rename). */
export class LocalBlobStore implements BlobStore {
  private readonly root: string;

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, data: Buffer, contentType?: string): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, file);
    if (contentType) await writeFile(`${file}.type`, contentType);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key);
      throw e;
    }
  }

  async stream(key: string): Promise<Readable> {
    if (!(await this.stat(key))) throw new BlobNotFoundError(key);
    return createReadStream(this.pathOf(key));
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const file = this.pathOf(key);
    try {
      const s = await stat(file);
      const contentType = await readFile(`${file}.type`, 'utf8').catch(() => undefined);
      return { size: s.size, contentType };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    await rm(`${file}.type`, { force: true });
  }
}
