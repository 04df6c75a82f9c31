import { FieldIssue } from '../errors/field-issue';
import { areaIssue } from './size-rules';

/** Engine families by native resolution: SD1 = 512 engines, SD2 = 768 engines, SDXL = SDXL 1.0. */
export type EngineFamily = 'SD1' | 'SD2' | 'SDXL';

export const DIFFUSION_SIZE_LIMITS: Readonly<Record<EngineFamily, { minArea: number; maxArea: number; maxSide: number }>> = {
  SD1: { minArea: 262_144, maxArea: 1_048_576, maxSide: 1024 },
  SD2: { minArea: 589_824, maxArea: 1_048_576, maxSide: 1024 },
  SDXL: { minArea: 262_144, maxArea: 2_073_600, maxSide: 1536 },
};

/**
 * The per-family size rules of a diffusion object (the parser already checked 512..1536 and multiples of 64).
 * Known only once the checkpoint is resolved, hence a separate check. Issues name `${fieldPath}.width|height`.
 */
export function checkDiffusionSize(family: EngineFamily, width: number, height: number, fieldPath: string): FieldIssue[] {
  const limits = DIFFUSION_SIZE_LIMITS[family];
  const issues: FieldIssue[] = [];
  const at = (side: string) => (fieldPath ? `${fieldPath}.${side}` : side);
  if (width > limits.maxSide) issues.push({ field: at('width'), rule: 'max', message: `must be at most ${limits.maxSide} for ${family} models` });
  if (height > limits.maxSide) issues.push({ field: at('height'), rule: 'max', message: `must be at most ${limits.maxSide} for ${family} models` });
  const area = areaIssue(width, height, limits.minArea, limits.maxArea, 'width', 'height');
  if (area) issues.push({ field: at(area.side), rule: 'area', message: `${area.message} (the limit for ${family} models)` });
  return issues;
}
