// The app's catalog states each test model's download size per dtype (the fit verdict and the progress
// bar use it before any byte arrives); it must be what the builder really writes.
import { describe, expect, it } from 'vitest';
import { findModel } from '#catalog/catalog';
import { buildModels, folderBytes } from './build';

describe('catalog sizes of the test models', () => {
	it('equal the built folders: the JSON files plus that dtype’s ONNX file', () => {
		// Test-only variants need not be pickable in the app; the ones that are must state true sizes.
		const listed = buildModels().filter((built) => findModel(built.id));
		expect(listed.map((b) => b.id)).toEqual(expect.arrayContaining(['lumen-tiny-a', 'lumen-tiny-b', 'lumen-bench']));
		for (const built of listed)
			for (const dtype of ['fp32', 'q8', 'q4'] as const) expect(findModel(built.id)!.sizes[dtype], `${built.id} ${dtype}`).toBe(folderBytes(built.files, dtype));
	});
});
