import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { assertRunnable, readModelFolder } from '@darkroom/inference';
import type { FieldIssue } from '@darkroom/contracts';

/** Types whose item is one `.safetensors` file; the others (checkpoint, VAE, ControlNet) are ONNX folders. */
export const SINGLE_FILE_TYPES = new Set(['LORA', 'LOCON', 'LYCORIS', 'TEXTUAL_INVERSION']);

/** Problems with a declared file list, before anything is uploaded (so that a client learns early). */
export function layoutIssues(modelType: string, files: ReadonlyArray<{ path: string }>): FieldIssue[] {
  const paths = files.map((f) => f.path);
  if (SINGLE_FILE_TYPES.has(modelType)) {
    if (paths.length !== 1) return [{ field: 'files', rule: 'single_file', message: `a ${modelType} is one .safetensors file` }];
    if (!/\.safetensors$/i.test(paths[0])) return [{ field: 'files[0].path', rule: 'safetensors', message: 'must be a .safetensors file' }];
    return [];
  }
  const required: Record<string, string[]> = {
    CHECKPOINT: ['model_index.json', 'unet/model.onnx', 'vae_decoder/model.onnx'],
    VAE: ['vae_decoder/model.onnx'],
    CONTROLNET: [],
  };
  const missing = (required[modelType] ?? []).filter((p) => !paths.includes(p));
  if (modelType === 'CONTROLNET' && !paths.includes('model.onnx') && !paths.includes('controlnet/model.onnx')) missing.push('model.onnx');
  return missing.length ? [{ field: 'files', rule: 'layout', message: `an ONNX ${modelType.toLowerCase()} folder needs ${missing.join(', ')}` }] : [];
}

/** Reads a safetensors file's header only: it must be JSON naming at least one tensor, every range inside the file. */
export async function checkSafetensors(file: string): Promise<string | null> {
  const size = (await stat(file)).size;
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    const headerLength = Number(head.readBigUInt64LE(0));
    if (size < 8 || headerLength < 2 || headerLength > 100_000_000 || 8 + headerLength > size) return 'is not a safetensors file (bad header length)';
    const text = Buffer.alloc(headerLength);
    await handle.read(text, 0, headerLength, 8);
    let header: Record<string, { data_offsets?: unknown }>;
    try {
      header = JSON.parse(text.toString('utf8'));
    } catch {
      return 'is not a safetensors file (its header is not JSON)';
    }
    const dataLength = size - 8 - headerLength;
    const tensors = Object.entries(header).filter(([name]) => name !== '__metadata__');
    if (tensors.length === 0) return 'holds no tensors';
    for (const [name, t] of tensors) {
      const offsets = t?.data_offsets;
      if (!Array.isArray(offsets) || offsets.length !== 2 || !(offsets[0] >= 0 && offsets[1] >= offsets[0] && offsets[1] <= dataLength)) {
        return `is truncated or damaged (tensor ${name} lies outside the file)`;
      }
    }
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Checks an uploaded item the way a worker will load it: safetensors headers, or the ONNX folder's layout and
 * family (an SDXL folder registered as SD1 would fail every job). Returns what is wrong, or null.
 */
export async function checkUploadedItem(modelType: string, baseModel: string, dir: string, files: readonly string[]): Promise<string | null> {
  if (SINGLE_FILE_TYPES.has(modelType)) {
    const problem = await checkSafetensors(path.join(dir, files[0]));
    return problem && `${files[0]} ${problem}`;
  }
  if (modelType === 'CONTROLNET') return null; // model.onnx presence was checked; ONNX Runtime opens it on first use
  try {
    const folder = readModelFolder(dir);
    if (modelType === 'VAE') return folder.vaeDecoder ? null : 'the folder has no vae_decoder/model.onnx';
    assertRunnable(folder);
    if (folder.family !== baseModel) return `the folder is an ${folder.family} model, not ${baseModel} (from its text encoders and scheduler config)`;
    return null;
  } catch (e) {
    return (e as Error).message.replace(dir, 'the folder');
  }
}
