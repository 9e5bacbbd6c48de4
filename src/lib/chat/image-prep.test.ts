// The attach rules that need no canvas: which files are refused and why, and the downscaled size.
// (Decoding and re-encoding run in the browser: e2e/images.spec.ts.)
import { describe, expect, it } from 'vitest';
import { MAX_SIDE, fitWithin, refusalOf } from './image-prep';

describe('refusalOf', () => {
	it.each([
		[{ name: 'cat.png', type: 'image/png', size: 1000 }, null],
		[{ name: 'photo.jpg', type: 'image/jpeg', size: 20 * 1024 * 1024 }, null],
		[{ name: 'notes.pdf', type: 'application/pdf', size: 1000 }, 'notes.pdf is not an image this app can send (application/pdf). Attach a PNG, JPEG, WebP or GIF file.'],
		[{ name: 'logo.svg', type: 'image/svg+xml', size: 1000 }, /logo\.svg is not an image this app can send \(image\/svg\+xml\)/],
		[{ name: 'IMG_1.heic', type: '', size: 1000 }, /IMG_1\.heic is not an image this app can send \(unknown type\)/],
		[{ name: 'huge.png', type: 'image/png', size: 34 * 1024 * 1024 }, 'huge.png is 34 MiB; images up to 20 MiB can be attached.']
	])('%o → %s', (file, expected) => {
		const refusal = refusalOf(file);
		if (expected === null || typeof expected === 'string') expect(refusal).toBe(expected);
		else expect(refusal).toMatch(expected);
	});
});

describe('fitWithin', () => {
	it('scales the longer side down to the limit, keeping the aspect ratio, and never scales up', () => {
		expect(fitWithin(4032, 3024, MAX_SIDE)).toEqual({ width: 1568, height: 1176 });
		expect(fitWithin(1000, 3000, MAX_SIDE)).toEqual({ width: 523, height: 1568 });
		expect(fitWithin(800, 600, MAX_SIDE)).toEqual({ width: 800, height: 600 });
		expect(fitWithin(10000, 1, MAX_SIDE)).toEqual({ width: 1568, height: 1 });
	});
});
