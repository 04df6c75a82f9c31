import { AuxiliarySessions } from '../../engine/auxiliary-sessions';
import type { RgbImage } from '../../engine/vae';
import { detectLineSegments, drawLines, MLSD_MODEL_FILE, mlsdPreprocessor } from './mlsd';
import { resolvePreprocessorParams } from './preprocessor-registry';

/** A white picture with the outline (3 px wide, dark) of the rectangle (x0, y0)–(x1, y1). */
function outline(w: number, h: number, x0: number, y0: number, x1: number, y1: number): RgbImage {
  const data = new Uint8Array(w * h * 3).fill(255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const onH = x >= x0 && x <= x1 && (Math.abs(y - y0) <= 1 || Math.abs(y - y1) <= 1);
      const onV = y >= y0 && y <= y1 && (Math.abs(x - x0) <= 1 || Math.abs(x - x1) <= 1);
      if (onH || onV) data.fill(20, (y * w + x) * 3, (y * w + x) * 3 + 3);
    }
  }
  return { data, width: w, height: h };
}

describe('mlsd', () => {
  const sessions = new AuxiliarySessions();
  afterAll(() => sessions.close());

  it('finds the four sides of a drawn rectangle, at the image scale', async () => {
    // 640 × 400 (not the model's 512 × 512): line ends come back in this image's pixels.
    const img = outline(640, 400, 120, 80, 520, 320);
    const session = await sessions.get(MLSD_MODEL_FILE, 'mlsd');
    const lines = await detectLineSegments(session, img, { scoreThreshold: 0.1, distanceThreshold: 0.1 });
    const sides = [
      { name: 'top', x1: 120, y1: 80, x2: 520, y2: 80 },
      { name: 'bottom', x1: 120, y1: 320, x2: 520, y2: 320 },
      { name: 'left', x1: 120, y1: 80, x2: 120, y2: 320 },
      { name: 'right', x1: 520, y1: 80, x2: 520, y2: 320 },
    ];
    for (const side of sides) {
      // Some detected segment matches the side within 8 px at both ends (in either direction).
      const d = (l: (typeof lines)[number]) =>
        Math.min(
          Math.max(Math.hypot(l.x1 - side.x1, l.y1 - side.y1), Math.hypot(l.x2 - side.x2, l.y2 - side.y2)),
          Math.max(Math.hypot(l.x1 - side.x2, l.y1 - side.y2), Math.hypot(l.x2 - side.x1, l.y2 - side.y1)),
        );
      const best = Math.min(...lines.map(d));
      expect({ side: side.name, close: best < 8 }).toEqual({ side: side.name, close: true });
    }
    // Every long segment lies on the rectangle (no invented lines).
    const onRectangle = (x: number, y: number) =>
      (Math.abs(y - 80) < 8 || Math.abs(y - 320) < 8 || Math.abs(x - 120) < 8 || Math.abs(x - 520) < 8) && x > 110 && x < 530 && y > 70 && y < 330;
    for (const l of lines.filter((s) => Math.hypot(s.x2 - s.x1, s.y2 - s.y1) > 30)) {
      expect([onRectangle(l.x1, l.y1), onRectangle(l.x2, l.y2)]).toEqual([true, true]);
    }
    // A blank picture has no lines.
    expect(await detectLineSegments(session, outline(320, 320, -10, -10, -10, -10), { scoreThreshold: 0.1, distanceThreshold: 0.1 })).toEqual([]);
  });

  it('draws the lines as 1-pixel white strokes on black (the hint)', async () => {
    const img = outline(512, 384, 100, 100, 400, 300);
    const hint = await mlsdPreprocessor.run(img, resolvePreprocessorParams(mlsdPreprocessor, { threshold_a: 0.1, threshold_b: 0.1 }), { sessions });
    expect([hint.width, hint.height]).toEqual([512, 384]);
    const white = (x: number, y: number) => hint.data[(y * 512 + x) * 3] === 255;
    // Along the middle of each side the stroke is there (within 3 px across it); the middle of the picture is empty.
    const near = (x: number, y: number) => [-3, -2, -1, 0, 1, 2, 3].some((k) => white(x + k, y) || white(x, y + k));
    expect([near(250, 100), near(250, 300), near(100, 200), near(400, 200)]).toEqual([true, true, true, true]);
    expect(white(250, 200)).toBe(false);
    const lit = hint.data.filter((v, i) => i % 3 === 0 && v === 255).length;
    // Four sides of ~300 and ~200 px, one pixel wide (a few overlaps or duplicates allowed).
    expect(lit).toBeGreaterThan(800);
    expect(lit).toBeLessThan(2000);
  });

  it('drawLines rasterises segments inside the canvas only', () => {
    const plane = drawLines([{ x1: -5, y1: 2, x2: 5, y2: 2, score: 1 }, { x1: 3, y1: 0, x2: 3, y2: 4, score: 1 }], 8, 5);
    const row2 = [...plane.subarray(16, 24)];
    expect(row2).toEqual([255, 255, 255, 255, 255, 255, 0, 0]);
    expect([0, 1, 2, 3, 4].map((y) => plane[y * 8 + 3])).toEqual([255, 255, 255, 255, 255]);
  });
});
