import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTfjsLayersModel } from './tfjs-layers-model';
import { layersModelToOnnx } from './tfjs-layers-to-onnx';

/** A super-resolution model shipped in an npm package as a TF.js layers model. */
export interface EsrganModel {
  /** Name jobs use in `hrUpscaler`, e.g. "ESRGAN slim 4x". */
  name: string;
  packageName: string;
  /** model.json inside the package. */
  modelPath: string;
  scale: number;
}

/** The ESRGAN packages installed with the project (MIT, UpscalerJS): RDN-style networks at ×2, ×3, ×4 and ×8. */
export const ESRGAN_MODELS: readonly EsrganModel[] = (['slim', 'medium'] as const).flatMap((size) =>
  [2, 3, 4, 8].map((scale) => ({ name: `ESRGAN ${size} ${scale}x`, packageName: `@upscalerjs/esrgan-${size}`, modelPath: `models/x${scale}/model.json`, scale })),
);

/** An ESRGAN model converted to ONNX and stored on disk. */
export interface StoredUpscaler {
  model: EsrganModel;
  file: string;
  bytes: number;
  scale: number;
  /** Input pixels of context each output pixel depends on (tile margin). */
  receptiveRadius: number;
}

/** The folder of an installed package (its exports map hides package.json from require.resolve). */
export function packageFolder(packageName: string): string {
  let dir = path.dirname(require.resolve(packageName));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === packageName) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${packageName} has no package.json above its entry point`);
    dir = up;
  }
}

export const DEFAULT_UPSCALER_CACHE = path.join(os.tmpdir(), 'darkroom-upscalers');

/**
 * Converts the packaged TF.js models to ONNX at first use and keeps the result in `cacheDir`
 * (`<name>-<fingerprint>.onnx` + a small JSON with scale and receptive radius), so later runs and other processes
 * open the file directly. Files are written under a temporary name and renamed, so a reader never sees half a file;
 * concurrent first uses in one process share one conversion. Nothing is downloaded.
 */
export class EsrganModelStore {
  private readonly pending = new Map<string, Promise<StoredUpscaler>>();

  constructor(readonly cacheDir: string = DEFAULT_UPSCALER_CACHE) {}

  get(model: EsrganModel): Promise<StoredUpscaler> {
    let p = this.pending.get(model.name);
    if (!p) {
      p = this.load(model);
      this.pending.set(model.name, p);
      p.catch(() => this.pending.delete(model.name));
    }
    return p;
  }

  private async load(model: EsrganModel): Promise<StoredUpscaler> {
    const source = path.join(packageFolder(model.packageName), model.modelPath);
    const layers = await readTfjsLayersModel(source);
    const base = `${model.name.toLowerCase().replace(/\s+/g, '-')}-${layers.fingerprint.slice(0, 16)}`;
    const file = path.join(this.cacheDir, `${base}.onnx`);
    const metaFile = path.join(this.cacheDir, `${base}.json`);
    if (existsSync(file) && existsSync(metaFile)) {
      const meta = JSON.parse(await readFile(metaFile, 'utf8')) as { scale: number; receptiveRadius: number; bytes: number };
      return { model, file, ...meta };
    }
    const converted = layersModelToOnnx(layers, model.name);
    if (converted.scale !== model.scale) throw new Error(`${model.name}: the converted graph scales by ${converted.scale}`);
    await mkdir(this.cacheDir, { recursive: true });
    const tmp = `.${process.pid}-${Date.now()}`;
    const meta = { scale: converted.scale, receptiveRadius: converted.receptiveRadius, bytes: converted.bytes.length };
    await writeFile(file + tmp, converted.bytes);
    await writeFile(metaFile + tmp, JSON.stringify(meta));
    await rename(file + tmp, file);
    await rename(metaFile + tmp, metaFile);
    return { model, file, ...meta };
  }
}
