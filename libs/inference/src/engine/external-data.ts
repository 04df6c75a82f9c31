import { closeSync, constants as fsConstants, openSync, readSync } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';

/**
 * ONNX external data: initializers whose bytes sit in a file beside model.onnx (`location`, `offset`, `length`), as
 * every export over 2 GiB has them (SDXL's UNet, fp32 SD1.x UNets). Reading them, and writing an edited model
 * (merged LoRA weights, new embedding rows) back as a folder ONNX Runtime can open: ONNX Runtime accepts external
 * files only inside the model's own folder (it refuses symbolic links that lead out of it), and a model built in
 * memory may not keep some external files on disk while others come from memory.
 */

export interface ExternalLocation {
  location: string;
  offset: number;
  /** Absent: to the end of the file. */
  length?: number;
}

/** Where the initializer's bytes are, or undefined for an inline initializer. */
export function externalLocation(t: onnx.ITensorProto): ExternalLocation | undefined {
  if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL && !(t.externalData?.length ?? 0)) return undefined;
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new Error(`initializer ${t.name} is external but names no location`);
  const offset = Number(entries.get('offset') ?? 0);
  const length = entries.has('length') ? Number(entries.get('length')) : undefined;
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
    throw new Error(`initializer ${t.name} has a bad external offset or length`);
  }
  return { location, offset, length };
}

/** The external file's path under the model's folder; a location leading out of the folder is refused. */
export function externalFile(modelDir: string, location: string): string {
  const file = path.resolve(modelDir, location);
  if (path.isAbsolute(location) || path.relative(modelDir, file).startsWith('..')) {
    throw new Error(`external data location "${location}" leads out of the model's folder`);
  }
  return file;
}

/** Reads an external initializer's bytes (exactly `bytes` of them when given). */
export function readExternal(modelDir: string, name: string, loc: ExternalLocation, bytes?: number): Uint8Array {
  const length = loc.length ?? bytes;
  if (length === undefined) throw new Error(`initializer ${name}: external data without a length`);
  if (bytes !== undefined && length !== bytes) throw new Error(`initializer ${name}: ${length} external bytes for ${bytes} expected`);
  const out = new Uint8Array(length);
  const fd = openSync(externalFile(modelDir, loc.location), 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, loc.offset + done);
      if (n === 0) throw new Error(`initializer ${name}: external file ${loc.location} ends before offset ${loc.offset + length}`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** A model written to a folder of its own, to open by path; `cleanup` removes the folder once the session has it. */
export interface ModelOnDisk {
  file: string;
  cleanup(): Promise<void>;
}

const EDITS_FILE = 'darkroom-edits.data';

/**
 * Writes `model` to a new folder as model.onnx: the initializers in `moved` (external in the base model, edited since,
 * now inline) go to one new external file, and the base's external files the model still references are linked in
 * (hard links, so nothing is copied where the folder can sit on the model's file system: beside the model first,
 * the system's temp folder otherwise; copies where links fail).
 */
export async function writeModelFolder(model: onnx.ModelProto, baseDir: string, moved: ReadonlySet<string>): Promise<ModelOnDisk> {
  const dir = await variantFolder(baseDir);
  try {
    const pieces: Uint8Array[] = [];
    let offset = 0;
    const referenced = new Set<string>();
    for (const t of model.graph?.initializer ?? []) {
      if (t.name && moved.has(t.name) && t.rawData?.length) {
        const raw = t.rawData;
        t.externalData = [
          { key: 'location', value: EDITS_FILE },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(raw.length) },
        ];
        t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
        t.rawData = new Uint8Array(0);
        pieces.push(raw);
        offset += raw.length;
      } else {
        const loc = externalLocation(t);
        if (loc) referenced.add(loc.location);
      }
    }
    if (referenced.has(EDITS_FILE)) throw new Error(`the model already uses an external file named ${EDITS_FILE}`);
    // Piece by piece: an SDXL UNet's edits pass the largest single buffer Node makes (4 GiB).
    const edits = await open(path.join(dir, EDITS_FILE), 'w');
    try {
      for (const piece of pieces) await edits.writeFile(piece);
    } finally {
      await edits.close();
    }
    for (const location of referenced) {
      const target = externalFile(dir, location);
      await mkdir(path.dirname(target), { recursive: true });
      await linkOrCopy(externalFile(baseDir, location), target);
    }
    const file = path.join(dir, 'model.onnx');
    await writeFile(file, onnx.ModelProto.encode(model).finish());
    return { file, cleanup: () => removeVariantFolder(dir) };
  } catch (e) {
    await removeVariantFolder(dir);
    throw e;
  }
}

async function removeStaleVariants(root: string): Promise<void> {
  const cutoff = Date.now() - STALE_VARIANT_MS;
  for (const entry of await readdir(root)) {
    const dir = path.join(root, entry);
    const info = await stat(dir).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(dir, { recursive: true, force: true });
  }
}

/** Removes a variant's folder, and the folder of variants when no other is left in it. */
async function removeVariantFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await rmdir(path.dirname(dir)).catch(() => undefined);
}

/** A variant folder lives seconds to minutes (while ONNX Runtime opens it); older ones were left by a crash. */
const STALE_VARIANT_MS = 60 * 60 * 1000;

async function variantFolder(baseDir: string): Promise<string> {
  const name = `${process.pid}-${randomUUID()}`;
  for (const root of [path.join(baseDir, '.darkroom-variants'), path.join(os.tmpdir(), 'darkroom-variants')]) {
    const dir = path.join(root, name);
    try {
      await mkdir(dir, { recursive: true });
      await removeStaleVariants(root).catch(() => undefined);
      return dir;
    } catch {
      // read-only model folder: try the next place
    }
  }
  throw new Error(`no writable folder for an edited model (beside ${baseDir} or in ${os.tmpdir()})`);
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to, fsConstants.COPYFILE_FICLONE);
  }
}
