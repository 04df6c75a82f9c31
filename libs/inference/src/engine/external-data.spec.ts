import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { floatTensor, generateTinyLora, generateTinySd15, generateTinySdxl, writeSafetensors } from '@darkroom/testing';
import type { RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';
import { checkpoint, makeTempDir, pixelsOfBoth, removeDir, type JobSpec } from './engine.test-helper';
import { externalFile, externalLocation } from './external-data';
import { OnnxWeights } from './onnx-initializers';
import { OnnxComponent } from './onnx-component';
import { sessionOptions } from './execution-options';
import { TOKEN_TABLE } from './textual-inversion';

/** Models whose weights sit in model.onnx_data (every export over 2 GiB) run, and take LoRAs and embeddings, exactly as inline ones. */
describe('external-data models', () => {
  let root: string;
  let runner: OnnxJobRunner;
  const lora = (name: string, baseModel: string): RunnerModel => ({ id: `l-${name}`, kind: 'LORA', name, baseModel, path: path.join(root, `${name}.safetensors`) });

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'inline'));
    await generateTinySd15(path.join(root, 'external'), { externalData: true });
    await generateTinySdxl(path.join(root, 'xl-inline'), { float16: true });
    await generateTinySdxl(path.join(root, 'xl-external'), { float16: true, externalData: true });
    await generateTinyLora(path.join(root, 'style.safetensors'), { seed: 11, targets: 'attention+mlp' });
    await generateTinyLora(path.join(root, 'xl-style.safetensors'), { seed: 12, family: 'sdxl', base: { float16: true } });
    runner = createOnnxJobRunner({ intraOpThreads: 1 });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  it('the kit writes the weights to model.onnx_data and model.onnx refers to them', async () => {
    const model = onnx.ModelProto.decode(await readFile(path.join(root, 'external', 'unet', 'model.onnx')));
    const external = (model.graph?.initializer ?? []).filter((t) => externalLocation(t));
    expect(external.length).toBeGreaterThan(10);
    expect(new Set(external.map((t) => externalLocation(t)?.location))).toEqual(new Set(['model.onnx_data']));
    expect((await stat(path.join(root, 'external', 'unet', 'model.onnx_data'))).size).toBeGreaterThan(1_000_000);
  });

  it('reads external weights as the inline model holds them (float32 and float16)', async () => {
    for (const [a, b] of [
      ['inline/unet', 'external/unet'],
      ['xl-inline/text_encoder_2', 'xl-external/text_encoder_2'],
    ]) {
      const inline = await OnnxWeights.read(path.join(root, a, 'model.onnx'));
      const external = await OnnxWeights.read(path.join(root, b, 'model.onnx'));
      expect(external.floatNames()).toEqual(inline.floatNames());
      const bytes = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);
      const differing = inline.floatNames().filter((name) => !bytes(external.get(name)).equals(bytes(inline.get(name))));
      expect(differing).toEqual([]);
    }
  });

  it('writes an edited model as a folder of its own: edits in a new file, the base data hard-linked; removed after use', async () => {
    const base = path.join(root, 'external', 'unet');
    const weights = await OnnxWeights.read(path.join(base, 'model.onnx'));
    const name = weights.floatNames().find((n) => n.endsWith('attn2.to_k.weight')) as string;
    const edited = weights.get(name).map((v) => v * 2);
    weights.set(name, edited);
    const source = await weights.toSource();
    if (source instanceof Uint8Array) throw new Error('expected a folder');
    const dir = path.dirname(source.file);
    expect(dir.startsWith(path.join(base, '.darkroom-variants'))).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['darkroom-edits.data', 'model.onnx', 'model.onnx_data']);
    const [linked, original] = await Promise.all([stat(path.join(dir, 'model.onnx_data')), stat(path.join(base, 'model.onnx_data'))]);
    expect(linked.ino).toBe(original.ino);
    expect((await stat(path.join(dir, 'darkroom-edits.data'))).size).toBe(edited.length * 4);
    const reread = await OnnxWeights.read(source.file);
    expect(reread.get(name)).toEqual(edited);
    const session = await OnnxComponent.open('unet', source.file, sessionOptions());
    expect(session.hasInput('sample')).toBe(true);
    await source.cleanup();
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(path.join(base, '.darkroom-variants'))).toBe(false);
  });

  it('removes variant folders a crash left behind (over an hour old), not those in use', async () => {
    const base = path.join(root, 'external', 'text_encoder');
    const variants = path.join(base, '.darkroom-variants');
    const [stale, fresh] = [path.join(variants, '1-stale'), path.join(variants, '2-fresh')];
    await Promise.all([mkdir(stale, { recursive: true }), mkdir(fresh, { recursive: true })]);
    await writeFile(path.join(stale, 'darkroom-edits.data'), Buffer.alloc(10));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    const weights = await OnnxWeights.read(path.join(base, 'model.onnx'));
    weights.set(TOKEN_TABLE, weights.get(TOKEN_TABLE));
    const source = await weights.toSource();
    if (source instanceof Uint8Array) throw new Error('expected a folder');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    await source.cleanup();
    expect((await readdir(variants)).sort()).toEqual(['2-fresh']);
    await rm(variants, { recursive: true });
  });

  it('refuses an external location that leads out of the model folder', async () => {
    expect(() => externalFile('/models/a/unet', '../../b/unet/model.onnx_data')).toThrow(/leads out of the model's folder/);
    expect(() => externalFile('/models/a/unet', '/etc/passwd')).toThrow(/leads out of the model's folder/);
    expect(externalFile('/models/a/unet', 'weights/w.bin')).toBe('/models/a/unet/weights/w.bin');
  });

  /** The same job on the inline and the external-data model: pixels must be identical. */
  async function samePixels(spec: JobSpec, inline: RunnerModel[], external: RunnerModel[]): Promise<void> {
    const [pa, pb] = await pixelsOfBoth(runner, spec, inline, external);
    expect(pb.equals(pa)).toBe(true);
  }

  it('runs txt2img, a LoRA and an embedding on SD1.5 with external data exactly as on the inline model', async () => {
    const inline = checkpoint(path.join(root, 'inline'), '1', 'inline');
    const external = checkpoint(path.join(root, 'external'), '2', 'external');
    const rows = (await OnnxWeights.read(path.join(root, 'inline', 'text_encoder', 'model.onnx'))).get(TOKEN_TABLE);
    await writeSafetensors(path.join(root, 'kitty.safetensors'), { emb_params: floatTensor([1, 32], rows.slice(2368 * 32, 2369 * 32)) });
    const kitty: RunnerModel = { id: 'e1', kind: 'TEXTUAL_INVERSION', name: 'kitty', baseModel: 'SD1', path: path.join(root, 'kitty.safetensors') };
    await samePixels({}, [inline], [external]);
    const withLora = { diffusion: { lora: { items: [{ loraModel: 'style', weight: 0.8 }] } } };
    await samePixels(withLora, [inline, lora('style', 'SD1')], [external, lora('style', 'SD1')]);
    const withEmbedding = { diffusion: { prompts: [{ text: 'a photo of kitty' }], embedding: { items: [{ model: 'kitty' }] } } };
    await samePixels(withEmbedding, [inline, kitty], [external, kitty]);
    expect(existsSync(path.join(root, 'external', 'unet', '.darkroom-variants'))).toBe(false);
  });

  it('runs an SDXL float16 export with external data and a LoRA exactly as the inline model', async () => {
    const inline = checkpoint(path.join(root, 'xl-inline'), '3', 'xl-inline', 'SDXL');
    const external = checkpoint(path.join(root, 'xl-external'), '4', 'xl-external', 'SDXL');
    await samePixels({ diffusion: { lora: { items: [{ loraModel: 'xl-style' }] } } }, [inline, lora('xl-style', 'SDXL')], [external, lora('xl-style', 'SDXL')]);
  });

  it('a damaged external file is a clear error, not a crash', async () => {
    const broken = path.join(root, 'broken');
    await generateTinySd15(broken, { externalData: true, seed: 5 });
    await writeFile(path.join(broken, 'unet', 'model.onnx_data'), Buffer.alloc(100));
    const weights = await OnnxWeights.read(path.join(broken, 'unet', 'model.onnx'));
    const name = weights.floatNames().find((n) => n.endsWith('attn2.to_k.weight')) as string;
    expect(() => weights.get(name)).toThrow(/external file model.onnx_data ends before offset/);
  });
});
