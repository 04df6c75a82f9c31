import { DomainError, GrpcCode } from '@darkroom/contracts';

export type Family = 'SD1' | 'SD2' | 'SDXL';
export type PoolMap = Record<string, Family[]>;

/** The first configured GPU pool whose workers can run the family. */
export function poolForFamily(pools: PoolMap, family: Family): string {
  for (const [pool, families] of Object.entries(pools)) if (families.includes(family)) return pool;
  throw new DomainError(GrpcCode.FAILED_PRECONDITION, `no GPU pool serves ${family} models on this platform`, [
    { field: 'stages', rule: 'no_pool', message: `no GPU pool serves ${family} models` },
  ]);
}
