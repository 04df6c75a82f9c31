/**
 * A small seeded PRNG (mulberry32) so generated weights are identical on every machine and Node version.
 * Normal-ish samples use the Irwin–Hall sum of four uniforms: plain arithmetic, no Math.log/cos, so the
 * bytes never depend on a platform's transcendental functions.
 */
// Bound once: inside Jest's vm sandbox every lookup of a global such as `Math` is slow, and this runs per weight.
const imul = Math.imul;
const SQRT3 = Math.sqrt(3);

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A stream derived from this seed and a label, so each component's weights are independent of the others. */
  static derive(seed: number, label: string): Prng {
    let h = (seed ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < label.length; i++) {
      h = imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    }
    return new Prng(h);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Approximately N(0, 1): mean 0, variance 1, tails bounded at ±2√3. */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * SQRT3;
  }

  /** `count` values of N(0, std²) (approximately). */
  normalArray(count: number, std: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.normal() * std;
    return out;
  }
}

