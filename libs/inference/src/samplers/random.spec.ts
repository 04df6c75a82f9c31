import { GaussianGenerator, latentNoise, NOISE_STREAM, philox4x32, samplerNoise, seedKey } from './random';

describe('philox4x32', () => {
  // Random123 known-answer vectors: counter[4] key[2] -> output[4].
  it.each([
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ])('matches the known answer for counter %j', (counter, key, expected) => {
    expect(Array.from(philox4x32(counter, key, new Uint32Array(4)))).toEqual(expected);
  });
});

describe('GaussianGenerator', () => {
  it('is bit-identical for the same seed and independent of draw sizes', () => {
    const a = new GaussianGenerator(1234).next(1000);
    const b = new GaussianGenerator(1234).next(1000);
    expect(Array.from(a)).toEqual(Array.from(b));
    const g = new GaussianGenerator(1234);
    const chunks = [...g.next(3), ...g.next(5), ...g.next(992)];
    expect(chunks).toEqual(Array.from(a));
  });

  it('pins the first values of seed 42 so that a change of algorithm cannot go unnoticed', () => {
    const first = Array.from(new GaussianGenerator(42).next(4));
    const again = Array.from(latentNoise(42, 4, 'float64'));
    expect(again).toEqual(first);
    expect(first).toEqual([-0.9701897900197691, 0.19401895535991237, -1.2356207433180222, 1.9239267497535832]);
  });

  it('differs between seeds and between streams', () => {
    const a = Array.from(new GaussianGenerator(1).next(8));
    const b = Array.from(new GaussianGenerator(2).next(8));
    const c = Array.from(new GaussianGenerator(1, NOISE_STREAM.SAMPLER).next(8));
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('has standard normal moments', () => {
    const n = 200_000;
    const v = new GaussianGenerator(7).next(n);
    let mean = 0;
    for (const x of v) mean += x;
    mean /= n;
    let m2 = 0;
    let m4 = 0;
    for (const x of v) {
      m2 += (x - mean) ** 2;
      m4 += (x - mean) ** 4;
    }
    const variance = m2 / n;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
    expect(Math.abs(m4 / n / variance ** 2 - 3)).toBeLessThan(0.06); // kurtosis of a normal
  });

  it('wraps seeds to 64 bits and accepts bigint', () => {
    expect(seedKey(0)).toEqual([0, 0]);
    expect(seedKey(-1)).toEqual([0xffffffff, 0xffffffff]);
    expect(seedKey(2n ** 32n + 5n)).toEqual([5, 1]);
    expect(seedKey(10, 5)).toEqual(seedKey(15));
    expect(() => seedKey(1.5)).toThrow(RangeError);
  });
});

describe('samplerNoise', () => {
  it('is seeded with seed + etaNoiseSeedDelta and never repeats the latent noise', () => {
    const latent = Array.from(latentNoise(100, 16, 'float64'));
    const plain = samplerNoise({ seed: 100, length: 16, type: 'float64' });
    const shifted = samplerNoise({ seed: 90, etaNoiseSeedDelta: 10, length: 16, type: 'float64' });
    const first = Array.from(plain(1, 0.5));
    expect(first).toEqual(Array.from(shifted(1, 0.5)));
    expect(first).not.toEqual(latent);
    // Each call draws fresh values; the sigma arguments do not matter.
    expect(Array.from(plain(1, 0.5))).not.toEqual(first);
    const other = samplerNoise({ seed: 100, etaNoiseSeedDelta: 1, length: 16, type: 'float64' });
    expect(Array.from(other(1, 0.5))).not.toEqual(first);
  });

  it('returns float32 by default', () => {
    const noise = samplerNoise({ seed: 3, length: 5 });
    const draw = noise(1, 0);
    expect(draw).toBeInstanceOf(Float32Array);
    expect(draw).toHaveLength(5);
  });
});
