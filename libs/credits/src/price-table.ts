/**
 * The price table: what one unit of work costs in credits. A job keeps the version it was priced with.
 * (Stored in code for now; the admin-editable, versioned table in the database replaces it with the ledger work.)
 */
export interface PriceTable {
  version: string;
  /** Credits for one 512×512 image at 20 steps; everything scales from it by pixels × steps. */
  basePer512Image20Steps: number;
  /** Extra fraction of a diffusion's cost per ControlNet unit. */
  controlNetUnitFactor: number;
  /** Credits per output megapixel for a model (ESRGAN-family) upscale, on top of the second pass. */
  modelUpscalePerMegapixel: number;
  /** Credits per detected-region inpaint pass of ADetailer are priced like an inpaint of the crop size. */
  minimumPerJob: number;
}

export const PRICE_TABLE_V1: PriceTable = {
  version: 'v1',
  basePer512Image20Steps: 0.2,
  controlNetUnitFactor: 0.25,
  modelUpscalePerMegapixel: 0.02,
  minimumPerJob: 0.01,
};
