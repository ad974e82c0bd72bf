import { describe, expect, it } from 'vitest';
import {
  clampZoom, panBy, pixelAt, transformCss, wheelFactor, zoomAt, zoomForKey, zoomTransform, MAX_ZOOM, ZOOM_RESET,
  type ZoomState,
} from '../../src/plots/zoom.ts';

/** Where an image point (fractions) appears in a w x h view under the CSS transform. */
function project(z: ZoomState, u: number, v: number, w: number, h: number): [number, number] {
  const { tx, ty, scale } = zoomTransform(z, w, h);
  return [tx + u * w * scale, ty + v * h * scale];
}

describe('zoomTransform', () => {
  it('is the identity at rest and centres (cx, cy) in the view', () => {
    expect(zoomTransform(ZOOM_RESET, 250, 200)).toEqual({ tx: 0, ty: 0, scale: 1 });
    const z = { scale: 4, cx: 0.25, cy: 0.75 };
    const [x, y] = project(z, 0.25, 0.75, 250, 200);
    expect(x).toBeCloseTo(125, 12);
    expect(y).toBeCloseTo(100, 12);
    expect(transformCss({ scale: 2, cx: 0.5, cy: 0.5 }, 100, 100)).toBe('translate(-50px, -50px) scale(2)');
  });
});

describe('zoomAt', () => {
  it('keeps the image point under the anchor fixed', () => {
    const w = 300;
    const h = 300;
    const before = { scale: 2, cx: 0.5, cy: 0.5 };
    // The image point under view position (0.75, 0.25).
    const u = 0.5 + 0.25 / 2;
    const v = 0.5 - 0.25 / 2;
    const after = zoomAt(before, 2, { x: 0.75, y: 0.25 });
    expect(after.scale).toBe(4);
    const [x, y] = project(after, u, v, w, h);
    expect(x).toBeCloseTo(0.75 * w, 10);
    expect(y).toBeCloseTo(0.25 * h, 10);
  });

  it('clamps the magnification to [1, MAX_ZOOM] and zooming out fully recentres', () => {
    expect(zoomAt(ZOOM_RESET, 0.5)).toEqual(ZOOM_RESET);
    expect(zoomAt(ZOOM_RESET, 1000).scale).toBe(MAX_ZOOM);
    expect(zoomAt({ scale: 8, cx: 0.9, cy: 0.1 }, 1 / 8)).toEqual({ scale: 1, cx: 0.5, cy: 0.5 });
  });

  it('never shows past the image edge when zooming at a corner', () => {
    const z = zoomAt(ZOOM_RESET, 2, { x: 0, y: 0 });
    // At 2x the top-left quarter fills the view: centre (0.25, 0.25), the corner stays at the view's corner.
    expect(z).toEqual({ scale: 2, cx: 0.25, cy: 0.25 });
  });
});

describe('panBy and clampZoom', () => {
  it('moves the image with the pointer, scaled by the magnification', () => {
    // Dragging right by 10% of the view at 4x moves the centre left by 2.5% of the image.
    const z = panBy({ scale: 4, cx: 0.5, cy: 0.5 }, 0.1, -0.2);
    expect(z.cx).toBeCloseTo(0.475, 12);
    expect(z.cy).toBeCloseTo(0.55, 12);
  });

  it('cannot pan an unzoomed image and stops at the edges', () => {
    expect(panBy(ZOOM_RESET, 0.3, 0.3)).toEqual(ZOOM_RESET);
    expect(panBy({ scale: 2, cx: 0.5, cy: 0.5 }, 5, -5)).toEqual({ scale: 2, cx: 0.25, cy: 0.75 });
    expect(clampZoom({ scale: NaN, cx: NaN, cy: 2 })).toEqual({ scale: 1, cx: 0.5, cy: 0.5 });
  });
});

describe('keyboard and wheel', () => {
  it('maps +, -, 0 and arrows', () => {
    expect(zoomForKey(ZOOM_RESET, '+')).toEqual({ scale: 2, cx: 0.5, cy: 0.5 });
    expect(zoomForKey(ZOOM_RESET, '=')).toEqual({ scale: 2, cx: 0.5, cy: 0.5 });
    expect(zoomForKey({ scale: 4, cx: 0.5, cy: 0.5 }, '-')).toEqual({ scale: 2, cx: 0.5, cy: 0.5 });
    expect(zoomForKey({ scale: 4, cx: 0.2, cy: 0.3 }, '0')).toEqual(ZOOM_RESET);
    const right = zoomForKey({ scale: 2, cx: 0.5, cy: 0.5 }, 'ArrowRight')!;
    expect(right.cx).toBeGreaterThan(0.5);
    expect(zoomForKey(ZOOM_RESET, 'a')).toBeNull();
  });

  it('zooms in on wheel up, out on wheel down, by 1.2 per 100 px notch', () => {
    expect(wheelFactor(-100)).toBeCloseTo(1.2, 12);
    expect(wheelFactor(100)).toBeCloseTo(1 / 1.2, 12);
    expect(wheelFactor(0)).toBe(1);
    expect(wheelFactor(-3, 1)).toBeCloseTo(1.2 ** 0.99, 12);
  });
});

describe('pixelAt', () => {
  it('finds the image pixel under a view position', () => {
    expect(pixelAt(ZOOM_RESET, { x: 0.5, y: 0.5 }, 250, 250)).toEqual({ col: 125, row: 125 });
    // At 10x centred on (0.5, 0.5) the view spans image 0.45..0.55: its left edge is column 112.
    expect(pixelAt({ scale: 10, cx: 0.5, cy: 0.5 }, { x: 0, y: 1 - 1e-9 }, 250, 250)).toEqual({ col: 112, row: 137 });
    expect(pixelAt(ZOOM_RESET, { x: 1.2, y: 0.5 }, 10, 10)).toBeNull();
  });
});
