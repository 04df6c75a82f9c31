import * as path from 'node:path';
import { floatTensor, generateTinyEmbedding, generateTinySd15, writeSafetensors } from '@darkroom/testing';
import { ClipTokenizer } from '../text';
import { FatalRunError } from '../runner/job-runner';
import { makeTempDir, removeDir } from './engine.test-helper';
import { OnnxWeights } from './onnx-initializers';
import { assignEmbeddingIds, loadEmbedding, TOKEN_TABLE, usedTokenIds, writeEmbeddingRows } from './textual-inversion';

describe('textual inversion', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'sd15'));
  });
  afterAll(async () => removeDir(root));

  const request = (file: string, name = 'emb', weight = 1) => ({ id: '1', name, file, weight });

  it('reads the common layouts and scales vectors by the item weight', async () => {
    const a = await generateTinyEmbedding(path.join(root, 'a.safetensors'), { vectors: 3 });
    const b = await generateTinyEmbedding(path.join(root, 'b.safetensors'), { format: 'diffusers', name: '<tok>', dtype: 'F16' });
    const xl = await generateTinyEmbedding(path.join(root, 'xl.safetensors'), { family: 'sdxl' });
    const ea = await loadEmbedding(request(a.file), 'SD1');
    const half = await loadEmbedding(request(a.file, 'emb', 0.5), 'SD1');
    expect([ea.count, ea.vectors.length, ea.vectors[0].length]).toEqual([3, 1, 96]);
    expect(half.vectors[0][5]).toBeCloseTo(ea.vectors[0][5] * 0.5, 6);
    expect((await loadEmbedding(request(b.file), 'SD2')).count).toBe(2);
    const exl = await loadEmbedding(request(xl.file), 'SDXL');
    expect(exl.vectors.map((v) => v.length)).toEqual([2 * 32, 2 * 64]);
    await expect(loadEmbedding(request(a.file), 'SDXL')).rejects.toThrow(/has no clip_l tensor/);
    await expect(loadEmbedding(request(path.join(root, 'none.safetensors')), 'SD1')).rejects.toThrow(FatalRunError);
  });

  it('assigns rare ids the prompts do not use, below the start and end tokens', async () => {
    const tokenizer = ClipTokenizer.fromBundledVocabulary();
    const e = await loadEmbedding(request((await generateTinyEmbedding(path.join(root, 'c.safetensors'), { vectors: 3 })).file, 'style'), 'SD1');
    const rare = tokenizer.idToToken(49405)!.replace('</w>', '');
    const used = usedTokenIds([[{ text: `a cat in style, ${rare}` }], []], tokenizer, [e]);
    expect(used.has(49405)).toBe(true);
    expect(assignEmbeddingIds([e], used).get('style')).toEqual([49404, 49403, 49402]);
  });

  it('writes the vectors into the token table rows and checks their width', async () => {
    const file = path.join(root, 'sd15', 'text_encoder', 'model.onnx');
    const e = await loadEmbedding(request((await generateTinyEmbedding(path.join(root, 'd.safetensors'))).file), 'SD1');
    const weights = await OnnxWeights.read(file);
    const before = weights.get(TOKEN_TABLE);
    writeEmbeddingRows(weights, 0, [e], new Map([['emb', [49000, 48000]]]), 'text_encoder');
    const after = weights.get(TOKEN_TABLE);
    expect(after.subarray(49000 * 32, 49001 * 32)).toEqual(e.vectors[0].subarray(0, 32));
    expect(after.subarray(48000 * 32, 48001 * 32)).toEqual(e.vectors[0].subarray(32, 64));
    let changedRows = 0;
    for (let r = 0; r < 49408; r++) if (after.subarray(r * 32, (r + 1) * 32).some((v, i) => v !== before[r * 32 + i])) changedRows++;
    expect(changedRows).toBe(2);
    const wide = path.join(root, 'wide.safetensors');
    await writeSafetensors(wide, { emb_params: floatTensor([1, 40], new Float32Array(40)) });
    const w = await loadEmbedding(request(wide, 'wide'), 'SD1');
    expect(() => writeEmbeddingRows(weights, 0, [w], new Map([['wide', [100]]]), 'text_encoder')).toThrow(/40-wide vectors; text_encoder takes 32/);
  });
});
