import { z } from 'zod';

/**
 * The price table: what one unit of work costs in credits. Stored in the database as numbered versions
 * (PriceTableVersion); the newest is in force, and a job keeps the version (and price) it was created with.
 */
export interface PriceTable {
  version: string;
  /** Credits for one 512×512 image at 20 steps; everything scales from it by pixels × steps. */
  basePer512Image20Steps: number;
  /** Extra fraction of a diffusion's cost per ControlNet unit. */
  controlNetUnitFactor: number;
  /** Credits per output megapixel for a model (ESRGAN-family) upscale, on top of the second pass. */
  modelUpscalePerMegapixel: number;
  /** No job costs less. */
  minimumPerJob: number;
  /** Price multiplier per plan id (a plan not listed pays 1×). */
  planMultipliers: Record<string, number>;
}

/** The rates an admin sends for a new version (the version name is given by the database). */
export const priceRatesSchema = z.strictObject({
  basePer512Image20Steps: z.number().positive().max(1_000_000),
  controlNetUnitFactor: z.number().min(0).max(100),
  modelUpscalePerMegapixel: z.number().min(0).max(1_000_000),
  minimumPerJob: z.number().min(0).max(1_000_000),
  planMultipliers: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'plan ids are 1-64 characters of [A-Za-z0-9_-]'), z.number().positive().max(100)).default({}),
});
export type PriceRates = z.infer<typeof priceRatesSchema>;

/** The table the first migration stores as v1; used when the database holds none. */
export const PRICE_TABLE_V1: PriceTable = {
  version: 'v1',
  basePer512Image20Steps: 0.2,
  controlNetUnitFactor: 0.25,
  modelUpscalePerMegapixel: 0.02,
  minimumPerJob: 0.01,
  planMultipliers: {},
};
