import type { GrayImage } from '../inpaint/gray-image';
import type { DetectionBox } from './detection-box';

/**
 * One mask per box at width × height: 255 inside the box, 0 elsewhere. A fractional box covers every pixel it
 * touches ([⌊x1⌋, ⌈x2⌉) × [⌊y1⌋, ⌈y2⌉), clipped to the image), so a face is never cut by rounding.
 */
export function masksFromBoxes(boxes: readonly DetectionBox[], width: number, height: number): GrayImage[] {
  return boxes.map((b) => {
    const data = new Uint8Array(width * height);
    const x1 = Math.max(0, Math.floor(b.x1));
    const x2 = Math.min(width, Math.ceil(b.x2));
    const y1 = Math.max(0, Math.floor(b.y1));
    const y2 = Math.min(height, Math.ceil(b.y2));
    for (let y = y1; y < y2; y++) data.fill(255, y * width + x1, y * width + x2);
    return { data, width, height };
  });
}
