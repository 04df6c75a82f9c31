import { randomInt } from 'node:crypto';

const MAX_SEED = 4294967295;

/** 0, -1 or absent mean random (TAMS); image i of a job uses seed + i, as A1111 does for a batch. */
export function resolveSeeds(requested: number | undefined, count: number, random: () => number = () => randomInt(1, MAX_SEED)): bigint[] {
  const base = requested && requested > 0 ? requested : random();
  return Array.from({ length: count }, (_, i) => BigInt((base + i) % (MAX_SEED + 1)));
}
