import * as path from 'node:path';
import { generateTinySd15 } from '@darkroom/testing';
import { makeTempDir, removeDir } from './engine.test-helper';
import { sessionOptions } from './execution-options';
import { floatData, OnnxComponent } from './onnx-component';
import * as ort from 'onnxruntime-node';

describe('sessionOptions', () => {
  it('turns spin-waiting off unless asked, and keeps the CPU provider behind a GPU one', () => {
    expect(sessionOptions().extra).toEqual({ session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } });
    expect(sessionOptions({ spinWait: true }).extra).toBeUndefined();
    expect(sessionOptions({ intraOpThreads: 3 }).intraOpNumThreads).toBe(3);
    expect(sessionOptions({ executionProvider: 'cuda', deviceId: 1 }).executionProviders).toEqual([{ name: 'cuda', deviceId: 1 }, 'cpu']);
    expect(() => sessionOptions({ executionProvider: 'tpu' as never })).toThrow(/unknown execution provider "tpu"/);
  });

  it('opens and runs a real session either way, with the same result', async () => {
    const dir = await makeTempDir();
    try {
      await generateTinySd15(path.join(dir, 'm'), {});
      const outputs: Float32Array[] = [];
      for (const spinWait of [false, true]) {
        const vae = await OnnxComponent.open('vae_decoder', path.join(dir, 'm', 'vae_decoder', 'model.onnx'), sessionOptions({ intraOpThreads: 2, spinWait }));
        const [input] = vae.inputs.keys();
        const [output] = vae.outputs.keys();
        const latent = new ort.Tensor('float32', Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.sin(i)), [1, 4, 8, 8]);
        const out = await vae.run({ [input]: latent });
        outputs.push(floatData(out[output]));
        await vae.release();
      }
      expect(outputs[0].length).toBe(3 * 64 * 64);
      expect(Buffer.from(outputs[0].buffer).equals(Buffer.from(outputs[1].buffer))).toBe(true);
    } finally {
      await removeDir(dir);
    }
  });
});
