/** One feature-map layer of an SSD-style detector: cells of `stride` input pixels, `anchorsPerCell` anchors each. */
export interface AnchorLayer {
  stride: number;
  anchorsPerCell: number;
}

/** An anchor centre in [0, 1] of the (square) input; BlazeFace anchors have a fixed unit size. */
export interface Anchor {
  x: number;
  y: number;
}

/**
 * The anchors of one output of a square-input detector, in output order: rows, then columns, then the anchors of a
 * cell (MediaPipe's SSD anchor generator with fixed anchor size, which BlazeFace uses). Front model (128 px): layers
 * of stride 8 (2 per cell) and 16 (6 per cell); back / full-range model (256 px): strides 16 (2) and 32 (6) — 512 +
 * 384 = 896 anchors either way, matching the model's two score and box outputs.
 */
export function layerAnchors(inputSize: number, layer: AnchorLayer): Anchor[] {
  const cells = Math.ceil(inputSize / layer.stride);
  const anchors: Anchor[] = [];
  for (let y = 0; y < cells; y++)
    for (let x = 0; x < cells; x++) for (let a = 0; a < layer.anchorsPerCell; a++) anchors.push({ x: (x + 0.5) / cells, y: (y + 0.5) / cells });
  return anchors;
}
