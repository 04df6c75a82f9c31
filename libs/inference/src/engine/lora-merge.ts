import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { FatalRunError } from '../runner/job-runner';
import type { ModelFamily } from './model-folder';
import type { OnnxWeights } from './onnx-initializers';
import { readSafetensorsFile, type SafetensorsContents } from './safetensors-file';
import { diffusersUnetKey } from './sgm-unet-keys';

/**
 * LoRA merging into ONNX initializers. kohya files hold, per module `<key>`, `<key>.lora_down.weight` [r, in…],
 * `<key>.lora_up.weight` [out, r(, 1, 1)] and `<key>.alpha`; the key is a prefix (`lora_unet_`, `lora_te_`, SDXL
 * `lora_te1_`/`lora_te2_`) plus the module's state-dict name with dots as underscores, which is the initializer name
 * of a name-preserving export (UNet keys in the original model's names are mapped first: ./sgm-unet-keys). Merge:
 * W += m · (alpha / r) · up @ down, with m the item's weight times the block's value of its `blockWeight`.
 */

export type LoraComponent = 'unet' | 'text_encoder' | 'text_encoder_2';

export interface LoraRequest {
  /** Catalogue id and name, for errors and cache keys. */
  id: string;
  name: string;
  file: string;
  weight: number;
  blockWeight?: string;
}

/**
 * One module of a LoRA file and the tensors that make its weight delta ΔW [out, in…]:
 * - `lora` (kohya LoRA and LoCon): up [out, r] @ down [r, in…];
 * - `loha` (LyCORIS LoHa): (w1a @ w1b) ⊙ (w2a @ w2b), each a rank-r product;
 * - `lokr` (LyCORIS LoKr): w1 ⊗ w2 (Kronecker), each given whole or as a product a @ b.
 * The scale is alpha / r where the file gives alpha and a rank (LoKr: of w1's product, else w2's), else 1.
 */
export type LoraModule =
  | { kind: 'lora'; key: string; up: string; down: string; alpha?: string }
  | { kind: 'loha'; key: string; w1a: string; w1b: string; w2a: string; w2b: string; alpha?: string }
  | { kind: 'lokr'; key: string; w1: string | [string, string]; w2: string | [string, string]; alpha?: string };

export interface LoadedLora {
  request: LoraRequest;
  contents: SafetensorsContents;
  modules: LoraModule[];
  /** Multiplier per lbw block id ('BASE', 'IN04', 'M00', 'OUT03', …). */
  multiplier(block: string): number;
  /** Components some module of the file targets (by key prefix). */
  components: Set<LoraComponent>;
}

/** The block lists of the LoRA Block Weight convention (facts of the sd-webui extension): 17/26 SD1/SD2, 12/20 SDXL. */
const BLOCKS_26 = ['BASE', ...range('IN', 12), 'M00', ...range('OUT', 12)];
const BLOCKS_20 = ['BASE', ...range('IN', 9), 'M00', ...range('OUT', 9)];
const BLOCK_LISTS: Record<number, { family: 'SD' | 'SDXL'; ids: string[] }> = {
  17: { family: 'SD', ids: ['BASE', 'IN01', 'IN02', 'IN04', 'IN05', 'IN07', 'IN08', 'M00', ...range('OUT', 12).slice(3)] },
  26: { family: 'SD', ids: BLOCKS_26 },
  12: { family: 'SDXL', ids: ['BASE', 'IN04', 'IN05', 'IN07', 'IN08', 'M00', ...range('OUT', 6)] },
  20: { family: 'SDXL', ids: BLOCKS_20 },
};

function range(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
}

/** Parses `w:lbw=v1,…,vN` into the leading multiplier and the per-block values. */
export function parseBlockWeight(text: string): { multiplier: number; values: number[] } {
  const at = text.indexOf(':lbw=');
  const multiplier = Number(text.slice(0, at));
  const values = text
    .slice(at + 5)
    .split(',')
    .map((v) => Number(v.trim()));
  if (at < 0 || !Number.isFinite(multiplier) || values.some((v) => !Number.isFinite(v))) throw new FatalRunError(`blockWeight "${text}" is not "w:lbw=v1,…,vN"`);
  return { multiplier, values };
}

/**
 * The block multipliers of a LoRA item: weight × w × value of the block; blocks the vector does not list get 0
 * (as the extension does). Without blockWeight every block gets the item's weight.
 */
export function blockMultipliers(family: ModelFamily, weight: number, blockWeight: string | undefined, label: string): (block: string) => number {
  if (!blockWeight) return () => weight;
  const { multiplier, values } = parseBlockWeight(blockWeight);
  const list = BLOCK_LISTS[values.length];
  const wanted = family === 'SDXL' ? 'SDXL' : 'SD';
  if (!list || list.family !== wanted) {
    throw new FatalRunError(`${label}: blockWeight has ${values.length} values; ${family} models take ${wanted === 'SDXL' ? '12 or 20' : '17 or 26'}`);
  }
  const byBlock = new Map(list.ids.map((id, i) => [id, values[i]]));
  return (block) => weight * multiplier * (byBlock.get(block) ?? 0);
}

/**
 * The lbw block of an initializer (diffusers names mapped to the original UNet's input/middle/output blocks:
 * down_blocks.i.*.j → IN(3i+j+1), its downsampler → IN(3i+3), up_blocks.i.*.j → OUT(3i+j), its upsampler → OUT(3i+2)).
 * Text encoders and UNet parts outside the blocks are BASE, conv_in IN00.
 */
export function blockOf(component: LoraComponent, initializer: string): string {
  if (component !== 'unet') return 'BASE';
  const two = (n: number) => String(n).padStart(2, '0');
  let m = /^down_blocks\.(\d+)\.(?:resnets|attentions)\.(\d+)\./.exec(initializer);
  if (m) return `IN${two(3 * Number(m[1]) + Number(m[2]) + 1)}`;
  m = /^down_blocks\.(\d+)\.downsamplers\./.exec(initializer);
  if (m) return `IN${two(3 * Number(m[1]) + 3)}`;
  if (initializer.startsWith('mid_block.')) return 'M00';
  m = /^up_blocks\.(\d+)\.(?:resnets|attentions)\.(\d+)\./.exec(initializer);
  if (m) return `OUT${two(3 * Number(m[1]) + Number(m[2]))}`;
  m = /^up_blocks\.(\d+)\.upsamplers\./.exec(initializer);
  if (m) return `OUT${two(3 * Number(m[1]) + 2)}`;
  if (initializer.startsWith('conv_in.')) return 'IN00';
  return 'BASE';
}

export function keyPrefix(component: LoraComponent, family: ModelFamily): string {
  if (component === 'unet') return 'lora_unet_';
  if (component === 'text_encoder_2') return 'lora_te2_';
  return family === 'SDXL' ? 'lora_te1_' : 'lora_te_';
}

/** The weight a kohya module key adds to. */
export interface LoraTarget {
  initializer: string;
  /** The module's state-dict weight name (`….to_q.weight`), which names its lbw block. */
  module: string;
  /** Stored [in, out] (a Linear weight as torch.onnx.export folds it) instead of PyTorch's [out, in]. */
  transposed: boolean;
}

/**
 * kohya module key → the weight it adds to: initializers named `<module>.weight` (name-preserving exports), and
 * Linear weights an exporter renamed (`onnx::MatMul_<n>`), found through their MatMul node `/<module path>/MatMul`.
 */
export function initializerKeys(weights: Pick<OnnxWeights, 'names' | 'matMulWeights'>, component: LoraComponent, family: ModelFamily): Map<string, LoraTarget> {
  const prefix = keyPrefix(component, family);
  const map = new Map<string, LoraTarget>();
  for (const name of weights.names()) {
    if (name.endsWith('.weight')) map.set(prefix + name.slice(0, -'.weight'.length).replace(/\./g, '_'), { initializer: name, module: name, transposed: false });
  }
  for (const { node, initializer } of weights.matMulWeights()) {
    const m = /^\/?(.+)\/MatMul$/.exec(node);
    if (!m || initializer.endsWith('.weight')) continue;
    const modulePath = m[1].replace(/\//g, '.');
    const key = prefix + modulePath.replace(/\./g, '_');
    if (!map.has(key)) map.set(key, { initializer, module: `${modulePath}.weight`, transposed: true });
  }
  return map;
}

const COMPONENTS: LoraComponent[] = ['unet', 'text_encoder', 'text_encoder_2'];

/** Reads a LoRA file and its modules; refuses files with no kohya LoRA module. */
export async function loadLora(request: LoraRequest, family: ModelFamily): Promise<LoadedLora> {
  let contents: SafetensorsContents;
  try {
    contents = await readSafetensorsFile(request.file);
  } catch (e) {
    throw new FatalRunError(`LoRA "${request.name}" could not be read: ${(e as Error).message}`);
  }
  const modules = readModules(contents, request.name);
  const components = new Set<LoraComponent>();
  for (const mod of modules) for (const c of COMPONENTS) if (mod.key.startsWith(keyPrefix(c, family))) components.add(c);
  if (!modules.length) {
    throw new FatalRunError(`LoRA "${request.name}" holds no module darkroom can merge (kohya LoRA/LoCon lora_down/lora_up, LyCORIS LoHa hada_*, LoKr lokr_*)`);
  }
  return { request, contents, modules, components, multiplier: blockMultipliers(family, request.weight, request.blockWeight, `LoRA "${request.name}"`) };
}

/** Tensors of the Tucker-decomposed variants (a core beside the factors), by the variant they belong to. */
const TUCKER_PARTS: Record<string, string> = { hada_t1: 'LoHa', lokr_t2: 'LoKr', 'lora_mid.weight': 'LoCon' };

/** The modules of a LoRA file by their tensor names; variants whose delta darkroom does not compute are refused by name. */
function readModules(contents: SafetensorsContents, loraName: string): LoraModule[] {
  const has = (n: string) => contents.tensors.has(n);
  const modules: LoraModule[] = [];
  for (const name of contents.tensors.keys()) {
    const m = /^(.+)\.(lora_down\.weight|hada_w1_a|lokr_w1|lokr_w1_a|dora_scale|hada_t1|lokr_t2|lora_mid\.weight)$/.exec(name);
    if (!m) continue;
    const [, fileKey, part] = m;
    if (part === 'dora_scale' || part in TUCKER_PARTS) {
      const what = part === 'dora_scale' ? 'DoRA (dora_scale)' : `a Tucker-decomposed ${TUCKER_PARTS[part]} (${part})`;
      throw new FatalRunError(`LoRA "${loraName}" is ${what}, which darkroom cannot merge (module ${fileKey})`);
    }
    const key = diffusersUnetKey(fileKey);
    const t = (suffix: string) => `${fileKey}.${suffix}`;
    const alpha = has(t('alpha')) ? t('alpha') : undefined;
    if (part === 'lora_down.weight') {
      if (has(t('lora_up.weight'))) modules.push({ kind: 'lora', key, up: t('lora_up.weight'), down: name, alpha });
    } else if (part === 'hada_w1_a') {
      if ([t('hada_w1_b'), t('hada_w2_a'), t('hada_w2_b')].every(has)) modules.push({ kind: 'loha', key, w1a: name, w1b: t('hada_w1_b'), w2a: t('hada_w2_a'), w2b: t('hada_w2_b'), alpha });
    } else if (part === 'lokr_w1' || !has(t('lokr_w1'))) {
      const w1: string | [string, string] = has(t('lokr_w1')) ? t('lokr_w1') : [t('lokr_w1_a'), t('lokr_w1_b')];
      const w2: string | [string, string] = has(t('lokr_w2')) ? t('lokr_w2') : [t('lokr_w2_a'), t('lokr_w2_b')];
      if ([w1, w2].flat().every(has)) modules.push({ kind: 'lokr', key, w1, w2, alpha });
    }
  }
  return modules;
}

/** A module's delta as a dense [out, rest] matrix (rest = the input size times the kernel), its rank for the scale. */
interface ModuleDelta {
  out: number;
  rest: number;
  /** The rank alpha divides by; undefined where the module has none (a whole LoKr). */
  rank?: number;
  /** Adds scale · ΔW to `w` ([out, rest], or [rest, out] when transposed). */
  addTo(w: Float32Array, scale: number, transposed: boolean): void;
}

function moduleDelta(contents: SafetensorsContents, mod: LoraModule): ModuleDelta {
  const shape = (n: string) => contents.tensors.get(n)!.shape;
  const restOf = (dims: number[]) => dims.slice(1).reduce((a, b) => a * b, 1);
  if (mod.kind === 'lora') {
    const [out, rank] = shape(mod.up);
    const rest = restOf(shape(mod.down));
    if (shape(mod.down)[0] !== rank) throw new Error(`${mod.key}: up [${shape(mod.up)}] and down [${shape(mod.down)}] differ in rank`);
    return {
      out,
      rest,
      rank,
      addTo(w, scale, transposed) {
        // Low rank: never builds the dense delta.
        const up = contents.floats(mod.up);
        const down = contents.floats(mod.down);
        for (let o = 0; o < out; o++) {
          for (let r = 0; r < rank; r++) {
            const u = up[o * rank + r] * scale;
            if (u === 0) continue;
            const d = r * rest;
            if (transposed) {
              for (let i = 0; i < rest; i++) w[i * out + o] += u * down[d + i];
            } else {
              const row = o * rest;
              for (let i = 0; i < rest; i++) w[row + i] += u * down[d + i];
            }
          }
        }
      },
    };
  }
  const dense = (delta: () => Float32Array, out: number, rest: number, rank?: number): ModuleDelta => ({
    out,
    rest,
    rank,
    addTo(w, scale, transposed) {
      const d = delta();
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < rest; i++) w[transposed ? i * out + o : o * rest + i] += scale * d[o * rest + i];
      }
    },
  });
  if (mod.kind === 'loha') {
    const [out, rank] = shape(mod.w1a);
    const rest = restOf(shape(mod.w1b));
    const same = shape(mod.w2a)[0] === out && restOf(shape(mod.w2b)) === rest && shape(mod.w1b)[0] === rank && shape(mod.w2b)[0] === shape(mod.w2a)[1];
    if (!same) throw new Error(`${mod.key}: LoHa factors [${shape(mod.w1a)}]·[${shape(mod.w1b)}] and [${shape(mod.w2a)}]·[${shape(mod.w2b)}] do not match`);
    return dense(
      () => {
        const a = product(contents, mod.w1a, mod.w1b);
        const b = product(contents, mod.w2a, mod.w2b);
        for (let i = 0; i < a.length; i++) a[i] *= b[i];
        return a;
      },
      out,
      rest,
      rank,
    );
  }
  const factor = (f: string | [string, string]) =>
    typeof f === 'string'
      ? { rows: shape(f)[0], cols: restOf(shape(f)), rank: undefined, values: () => contents.floats(f) }
      : { rows: shape(f[0])[0], cols: restOf(shape(f[1])), rank: shape(f[1])[0], values: () => product(contents, f[0], f[1]) };
  const w1 = factor(mod.w1);
  const w2 = factor(mod.w2);
  return dense(
    () => {
      // (w1 ⊗ w2)[i·r2 + p, j·c2 + q] = w1[i, j] · w2[p, q]; for a convolution w2's columns hold in × kh × kw.
      const a = w1.values();
      const b = w2.values();
      const cols = w1.cols * w2.cols;
      const out = new Float32Array(w1.rows * w2.rows * cols);
      for (let i = 0; i < w1.rows; i++)
        for (let j = 0; j < w1.cols; j++) {
          const v = a[i * w1.cols + j];
          for (let p = 0; p < w2.rows; p++) {
            const row = (i * w2.rows + p) * cols + j * w2.cols;
            for (let q = 0; q < w2.cols; q++) out[row + q] = v * b[p * w2.cols + q];
          }
        }
      return out;
    },
    w1.rows * w2.rows,
    w1.cols * w2.cols,
    w1.rank ?? w2.rank,
  );
}

/** a [rows, r] @ b [r, rest…] as a dense [rows, rest] matrix. */
function product(contents: SafetensorsContents, aName: string, bName: string): Float32Array {
  const a = contents.floats(aName);
  const b = contents.floats(bName);
  const [rows, rank] = contents.tensors.get(aName)!.shape;
  const rest = b.length / rank;
  const out = new Float32Array(rows * rest);
  for (let o = 0; o < rows; o++)
    for (let r = 0; r < rank; r++) {
      const u = a[o * rank + r];
      if (u === 0) continue;
      for (let i = 0; i < rest; i++) out[o * rest + i] += u * b[r * rest + i];
    }
  return out;
}

/**
 * Adds every module of the LoRAs that targets this component to its initializers. Modules whose multiplier is 0
 * are skipped, so the initializers they would touch keep their exact bytes. Throws when a LoRA has modules for this
 * component but none matches one of its weights (another architecture, or an export that renamed its weights).
 */
export function mergeLorasInto(weights: OnnxWeights, component: LoraComponent, family: ModelFamily, loras: readonly LoadedLora[], modelName: string): void {
  const keys = initializerKeys(weights, component, family);
  const prefix = keyPrefix(component, family);
  // Every check first, then one weight at a time (all its modules, in LoRA order): an SDXL UNet's targets hold
  // billions of values, so only one of them is ever held as float32.
  const work = new Map<string, Array<{ delta: ModuleDelta; scale: number; transposed: boolean }>>();
  for (const lora of loras) {
    const mine = lora.modules.filter((mod) => mod.key.startsWith(prefix));
    if (mine.length && !mine.some((mod) => keys.has(mod.key))) {
      throw new FatalRunError(`LoRA "${lora.request.name}" matches no weight of the ${component} of "${modelName}" (e.g. ${mine[0].key})`);
    }
    for (const mod of mine) {
      const target = keys.get(mod.key);
      if (!target) continue;
      const { initializer, transposed } = target;
      const m = lora.multiplier(blockOf(component, target.module));
      if (m === 0) continue;
      const dims = weights.dims(initializer);
      let delta: ModuleDelta;
      try {
        delta = moduleDelta(lora.contents, mod);
      } catch (e) {
        throw new FatalRunError(`LoRA "${lora.request.name}": ${(e as Error).message}`);
      }
      const { out, rest } = delta;
      const fits = transposed ? dims.length === 2 && dims[0] === rest && dims[1] === out : dims.reduce((a, b) => a * b, 1) === out * rest && dims[0] === out;
      if (!fits) throw new FatalRunError(`LoRA "${lora.request.name}": ${mod.key} (${mod.kind}, [${out}, ${rest}]) does not fit ${initializer} [${dims}]`);
      const alpha = mod.alpha ? lora.contents.floats(mod.alpha)[0] : undefined;
      const scale = m * (alpha !== undefined && delta.rank ? alpha / delta.rank : 1);
      const items = work.get(initializer) ?? [];
      items.push({ delta, scale, transposed });
      work.set(initializer, items);
    }
  }
  for (const [initializer, items] of work) {
    const w = weights.get(initializer);
    for (const { delta, scale, transposed } of items) delta.addTo(w, scale, transposed);
    weights.set(initializer, w);
  }
}

/** Cache key part of a LoRA set: files (with size and time), weights and block weights. */
export function loraVariantKey(loras: readonly LoadedLora[]): string {
  const h = createHash('sha256');
  for (const l of loras) {
    const st = statSync(l.request.file);
    h.update(JSON.stringify([l.request.file, st.size, st.mtimeMs, l.request.weight, l.request.blockWeight ?? '']));
  }
  return h.digest('hex').slice(0, 16);
}
