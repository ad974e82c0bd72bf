/**
 * Zoom and pan of an image view as pure state: a magnification and the image point (in
 * fractions of the image, 0..1) shown at the view's centre. Stated in fractions, not pixels,
 * so one state can drive several views of same-shaped images (reference, metamer, difference)
 * whatever their on-screen size. The view applies it as a CSS transform of a native-resolution
 * canvas, so the canvas's pixels stay the stimulus's pixels. No DOM here.
 */

export interface ZoomState {
  /** Magnification, MIN_ZOOM..MAX_ZOOM. */
  scale: number;
  /** Image point at the view's centre, as fractions of the image's width and height. */
  cx: number;
  cy: number;
}

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 32;
/** Magnification per +/- press. */
export const ZOOM_STEP = 2;
/** Fraction of the view an arrow key pans by. */
export const PAN_STEP = 0.1;

export const ZOOM_RESET: Readonly<ZoomState> = Object.freeze({ scale: 1, cx: 0.5, cy: 0.5 });

/** The state with scale in range and the centre kept where the view stays inside the image. */
export function clampZoom(z: ZoomState): ZoomState {
  const scale = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Number.isFinite(z.scale) ? z.scale : 1));
  const half = 0.5 / scale;
  const clampCentre = (c: number) => Math.min(1 - half, Math.max(half, Number.isFinite(c) ? c : 0.5));
  return { scale, cx: clampCentre(z.cx), cy: clampCentre(z.cy) };
}

/**
 * Magnify by `factor` keeping the image point under `anchor` (a view position as fractions
 * of the view, default its centre) where it is, as far as the image's edges allow.
 */
export function zoomAt(z: ZoomState, factor: number, anchor: { x: number; y: number } = { x: 0.5, y: 0.5 }): ZoomState {
  const scale = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z.scale * factor));
  // Image point under the anchor before, then the centre that puts it under the anchor again.
  const px = z.cx + (anchor.x - 0.5) / z.scale;
  const py = z.cy + (anchor.y - 0.5) / z.scale;
  return clampZoom({ scale, cx: px - (anchor.x - 0.5) / scale, cy: py - (anchor.y - 0.5) / scale });
}

/** Drag the image by (dx, dy), as fractions of the view: the image follows the pointer. */
export function panBy(z: ZoomState, dx: number, dy: number): ZoomState {
  return clampZoom({ scale: z.scale, cx: z.cx - dx / z.scale, cy: z.cy - dy / z.scale });
}

/**
 * CSS transform (origin top left) of a view of viewWidth x viewHeight CSS pixels that shows
 * the state: translate(tx, ty) then scale. Image point (cx, cy) lands on the view's centre.
 */
export function zoomTransform(z: ZoomState, viewWidth: number, viewHeight: number): { tx: number; ty: number; scale: number } {
  return { scale: z.scale, tx: viewWidth * (0.5 - z.cx * z.scale), ty: viewHeight * (0.5 - z.cy * z.scale) };
}

export function transformCss(z: ZoomState, viewWidth: number, viewHeight: number): string {
  const { tx, ty, scale } = zoomTransform(z, viewWidth, viewHeight);
  return `translate(${tx}px, ${ty}px) scale(${scale})`;
}

/** Zoom factor of one wheel event: a notch (deltaY 100 px, or 3 lines) zooms by about 1.2x. */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const pixels = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 800 : deltaY;
  return Math.exp(-pixels * (Math.log(1.2) / 100));
}

/** What a key does to the view: +/= zoom in, - zoom out, 0 reset, arrows pan; null for others. */
export function zoomForKey(z: ZoomState, key: string): ZoomState | null {
  switch (key) {
    case '+': case '=': return zoomAt(z, ZOOM_STEP);
    case '-': case '_': return zoomAt(z, 1 / ZOOM_STEP);
    case '0': return { ...ZOOM_RESET };
    // Arrow keys move the view (the image moves the other way).
    case 'ArrowLeft': return panBy(z, PAN_STEP, 0);
    case 'ArrowRight': return panBy(z, -PAN_STEP, 0);
    case 'ArrowUp': return panBy(z, 0, PAN_STEP);
    case 'ArrowDown': return panBy(z, 0, -PAN_STEP);
    default: return null;
  }
}

/** The image pixel (column, row) under a view position given as fractions of the view. */
export function pixelAt(z: ZoomState, view: { x: number; y: number }, width: number, height: number): { col: number; row: number } | null {
  const u = z.cx + (view.x - 0.5) / z.scale;
  const v = z.cy + (view.y - 0.5) / z.scale;
  if (!(u >= 0 && u < 1 && v >= 0 && v < 1)) return null;
  return { col: Math.floor(u * width), row: Math.floor(v * height) };
}
