import * as path from 'node:path';
import { withTempDir } from './ort-session.test-helper';
import { readSafetensors, tensorToFloat32 } from './safetensors';
import { generateTinyEmbedding } from './tiny-embedding.generator';

describe('generateTinyEmbedding', () => {
  it('writes the emb_params layout for SD1.x, sized to the text encoder', async () => {
    await withTempDir(async (dir) => {
      const desc = await generateTinyEmbedding(path.join(dir, 'style.safetensors'), { name: 'tiny-style', vectors: 3 });
      expect(desc).toMatchObject({ name: 'tiny-style', format: 'emb_params', vectors: 3, tensors: { emb_params: [3, 32] } });
      const file = await readSafetensors(desc.file);
      expect([...file.tensors.keys()]).toEqual(['emb_params']);
      const t = file.tensors.get('emb_params')!;
      expect(t).toMatchObject({ dtype: 'F32', shape: [3, 32] });
      const v = tensorToFloat32(t);
      expect(v.some((x) => x !== 0)).toBe(true);
    });
  });

  it('writes the diffusers layout (tensor named after the token) and follows the base width', async () => {
    await withTempDir(async (dir) => {
      const desc = await generateTinyEmbedding(path.join(dir, 'cat.safetensors'), { name: '<cat-toy>', vectors: 1, format: 'diffusers', base: { hiddenSize: 64 }, dtype: 'F16' });
      const file = await readSafetensors(desc.file);
      expect(file.tensors.get('<cat-toy>')).toMatchObject({ dtype: 'F16', shape: [1, 64] });
    });
  });

  it('writes clip_l and clip_g for SDXL', async () => {
    await withTempDir(async (dir) => {
      const desc = await generateTinyEmbedding(path.join(dir, 'xl.safetensors'), { family: 'sdxl', vectors: 2 });
      const file = await readSafetensors(desc.file);
      expect(file.tensors.get('clip_l')!.shape).toEqual([2, 32]);
      expect(file.tensors.get('clip_g')!.shape).toEqual([2, 64]);
      await expect(generateTinyEmbedding(path.join(dir, 'bad.safetensors'), { family: 'sdxl', format: 'emb_params' })).rejects.toThrow(/does not fit/);
    });
  });

  it('is deterministic per seed', async () => {
    await withTempDir(async (dir) => {
      const a = await generateTinyEmbedding(path.join(dir, 'a.safetensors'));
      const b = await generateTinyEmbedding(path.join(dir, 'b.safetensors'));
      const c = await generateTinyEmbedding(path.join(dir, 'c.safetensors'), { seed: 12 });
      const values = async (f: string) => Array.from(tensorToFloat32((await readSafetensors(f)).tensors.get('emb_params')!));
      expect(await values(a.file)).toEqual(await values(b.file));
      expect(await values(c.file)).not.toEqual(await values(a.file));
    });
  });
});
