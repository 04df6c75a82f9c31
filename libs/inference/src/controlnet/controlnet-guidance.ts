import type * as ort from 'onnxruntime-node';
import { floatData, floatTensor, timestepTensor, type OnnxComponent, type ValueInfo } from '../engine/onnx-component';
import { FatalRunError } from '../runner/job-runner';
import type { ControlNetUnitPlan } from './controlnet-plan';
import { linkResiduals, type ResidualLink } from './controlnet-residuals';
import { isActiveAt, unitWeighting, type UnitWeighting } from './control-weighting';

/** One UNet call's inputs, as the guided UNet built them, for the ControlNets to see the same thing. */
export interface ControlBatch {
  /** Per item of the batch (padding included): whether it is the unconditional branch. */
  uncond: readonly boolean[];
  sample: ort.Tensor;
  timestep: number;
  /** The UNet's feeds that do not change between steps: encoder_hidden_states, and SDXL's text_embeds / time_ids. */
  context: Readonly<Record<string, ort.Tensor>>;
}

/** Inputs a ControlNet graph may have; anything else cannot be fed. */
const KNOWN_INPUTS = new Set(['sample', 'timestep', 'encoder_hidden_states', 'controlnet_cond', 'conditioning_scale', 'text_embeds', 'time_ids']);

interface UnitRuntime {
  plan: ControlNetUnitPlan;
  component: OnnxComponent;
  links: ResidualLink[];
  weighting: UnitWeighting;
  /** Hint as a [size, 3, H, W] tensor per batch size. */
  hints: Map<number, ort.Tensor>;
  /** The UNet's context tensors converted to this graph's element type, by source tensor. */
  converted: WeakMap<ort.Tensor, ort.Tensor>;
}

/**
 * Checks, against the loaded sessions, that each unit's ControlNet fits the UNet: residual outputs pair with the
 * UNet's residual inputs, its inputs are ones the engine can feed, and its text width is the UNet's.
 */
export function checkControlNets(units: readonly ControlNetUnitPlan[], components: readonly OnnxComponent[], unet: OnnxComponent, checkpointName: string): void {
  units.forEach((u, i) => {
    const cn = components[i];
    if (!cn) throw new FatalRunError(`${u.field}: the ControlNet session was not loaded`);
    try {
      linkResiduals(cn, unet);
    } catch (e) {
      throw new FatalRunError(`${u.field}: ControlNet "${u.model.name}" cannot drive the UNet of "${checkpointName}": ${(e as Error).message}`);
    }
    for (const name of ['sample', 'timestep', 'encoder_hidden_states', 'controlnet_cond']) {
      if (!cn.hasInput(name)) throw new FatalRunError(`${u.field}: ControlNet "${u.model.name}" has no ${name} input`);
    }
    const unknown = [...cn.inputs.keys()].filter((n) => !KNOWN_INPUTS.has(n) || (!unet.hasInput(n) && (n === 'text_embeds' || n === 'time_ids')));
    if (unknown.length) throw new FatalRunError(`${u.field}: ControlNet "${u.model.name}" takes inputs the engine cannot feed: ${unknown.join(', ')}`);
    const a = cn.input('encoder_hidden_states').shape[2];
    const b = unet.input('encoder_hidden_states').shape[2];
    if (typeof a === 'number' && typeof b === 'number' && a !== b) {
      throw new FatalRunError(`${u.field}: ControlNet "${u.model.name}" takes ${a}-wide text states but the UNet of "${checkpointName}" ${b}-wide: they are for different model families`);
    }
  });
}

function rowsTensor(info: ValueInfo, row: Float32Array, rows: number, dims: number[]): ort.Tensor {
  const data = new Float32Array(row.length * rows);
  for (let r = 0; r < rows; r++) data.set(row, r * row.length);
  return floatTensor(info, data, dims);
}

/** Area average of a H × W plane onto h × w cells (each cell averages the source pixels it covers). */
function shrinkMask(mask: Float32Array, W: number, H: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * H) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * H) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * W) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * W) / w));
      let s = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += mask[yy * W + xx];
      out[y * w + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/**
 * The ControlNet units of a run as the guided UNet uses them: at each step the active units (guidance window) run
 * on the same batch as the UNet, their residuals are weighted (weight, control mode, mask, global pooling) and summed,
 * and the sums become the UNet's residual inputs. `atStep` is told the step about to run.
 */
export class ControlNetGuidance {
  private readonly units: UnitRuntime[];
  private step = 0;
  private total = 1;
  private readonly masks = new Map<string, Float32Array>();

  constructor(
    plans: readonly ControlNetUnitPlan[],
    components: readonly OnnxComponent[],
    private readonly unet: OnnxComponent,
    private readonly size: { width: number; height: number },
  ) {
    this.units = plans.map((plan, i) => {
      const links = linkResiduals(components[i], unet);
      return {
        plan,
        component: components[i],
        links,
        weighting: unitWeighting(plan.controlMode, plan.weight, links.length),
        hints: new Map(),
        converted: new WeakMap(),
      };
    });
  }

  /** The step (0-based) of `total` that the next UNet calls belong to. */
  atStep(index: number, total: number): void {
    this.step = index;
    this.total = total;
  }

  /** How many units act at the current step (tests, logs). */
  activeCount(): number {
    return this.units.filter((u) => this.isActive(u)).length;
  }

  private isActive(u: UnitRuntime): boolean {
    return isActiveAt(this.step, this.total, u.plan.guidanceStart, u.plan.guidanceEnd);
  }

  private hintTensor(u: UnitRuntime, rows: number): ort.Tensor {
    let t = u.hints.get(rows);
    if (!t) {
      const { data, width, height } = u.plan.hint;
      const plane = width * height;
      const chw = new Float32Array(3 * plane);
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) chw[c * plane + p] = data[p * 3 + c] / 255;
      t = rowsTensor(u.component.input('controlnet_cond'), chw, rows, [rows, 3, height, width]);
      u.hints.set(rows, t);
    }
    return t;
  }

  /** A tensor in the element type the ControlNet input wants (the UNet's may differ, e.g. float16 vs float32). */
  private asInput(u: UnitRuntime, name: string, t: ort.Tensor, cache: boolean): ort.Tensor {
    const info = u.component.input(name);
    const want = info.type === 'float16' ? 'float16' : 'float32';
    if (t.type === want || info.type === 'unknown') return t;
    const hit = cache ? u.converted.get(t) : undefined;
    if (hit) return hit;
    const converted = floatTensor(info, floatData(t), t.dims as number[]);
    if (cache) u.converted.set(t, converted);
    return converted;
  }

  private maskFor(plan: ControlNetUnitPlan, h: number, w: number): Float32Array | undefined {
    if (!plan.mask) return undefined;
    const key = `${plan.field}:${h}x${w}`;
    let m = this.masks.get(key);
    if (!m) {
      m = shrinkMask(plan.mask, this.size.width, this.size.height, w, h);
      this.masks.set(key, m);
    }
    return m;
  }

  /**
   * The summed residual feeds for one UNet batch, or undefined when no unit acts on it at this step (the UNet then
   * keeps its zero residuals).
   */
  async residuals(batch: ControlBatch): Promise<Record<string, ort.Tensor> | undefined> {
    const rows = batch.uncond.length;
    let sums: Map<string, { data: Float32Array; dims: number[] }> | undefined;
    for (const u of this.units) {
      if (!this.isActive(u)) continue;
      const rowFactor = batch.uncond.map((isUncond) => (isUncond && !u.weighting.uncond ? 0 : 1));
      if (rowFactor.every((f) => f === 0) || u.weighting.scales.every((s) => s === 0)) continue;
      const cn = u.component;
      const feeds: Record<string, ort.Tensor> = {
        sample: this.asInput(u, 'sample', batch.sample, false),
        timestep: timestepTensor(cn.input('timestep'), batch.timestep),
        controlnet_cond: this.hintTensor(u, rows),
      };
      for (const name of ['encoder_hidden_states', 'text_embeds', 'time_ids']) {
        if (cn.hasInput(name)) feeds[name] = this.asInput(u, name, batch.context[name], true);
      }
      if (cn.hasInput('conditioning_scale')) {
        const info = cn.input('conditioning_scale');
        feeds.conditioning_scale = floatTensor(info, Float32Array.of(1), info.shape.length ? [1] : []);
      }
      const out = await cn.run(feeds, u.links.map((l) => l.output));
      sums ??= new Map();
      u.links.forEach((link, k) => {
        const t = out[link.output];
        const dims = t.dims as number[];
        const data = floatData(t);
        let sum = sums!.get(link.input);
        if (!sum) {
          sum = { data: new Float32Array(data.length), dims };
          sums!.set(link.input, sum);
        }
        const [, channels, h, w] = dims;
        const plane = h * w;
        const perRow = channels * plane;
        const mask = this.maskFor(u.plan, h, w);
        for (let r = 0; r < rows; r++) {
          const f = u.weighting.scales[k] * rowFactor[r];
          if (f === 0) continue;
          for (let c = 0; c < channels; c++) {
            const base = r * perRow + c * plane;
            if (u.plan.globalPool) {
              let mean = 0;
              for (let p = 0; p < plane; p++) mean += data[base + p];
              mean = (mean / plane) * f;
              for (let p = 0; p < plane; p++) sum.data[base + p] += mask ? mean * mask[p] : mean;
            } else if (mask) {
              for (let p = 0; p < plane; p++) sum.data[base + p] += f * data[base + p] * mask[p];
            } else {
              for (let p = 0; p < plane; p++) sum.data[base + p] += f * data[base + p];
            }
          }
        }
      });
    }
    if (!sums) return undefined;
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, s] of sums) feeds[name] = floatTensor(this.unet.input(name), s.data, s.dims);
    return feeds;
  }
}
