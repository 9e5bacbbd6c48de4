// The base64 embedding encoding is OpenAI's: little-endian float32 bytes, whatever the vector's length.
import { describe, expect, it } from 'vitest';
import { base64ToFloat32, embeddingResponse, embeddingValues, float32ToBase64 } from './embeddings';

describe('base64 embeddings', () => {
	it('writes little-endian float32 bytes, as OpenAI and Python’s numpy tobytes() do', () => {
		// 1.0 = 00 00 80 3f and -2.5 = 00 00 20 c0
		expect(float32ToBase64(Float32Array.of(1, -2.5))).toBe('AACAPwAAIMA=');
		expect(Array.from(base64ToFloat32('AACAPwAAIMA='))).toEqual([1, -2.5]);
	});

	it('round-trips long vectors bit for bit (more bytes than one String.fromCharCode call takes)', () => {
		const long = Float32Array.from({ length: 20_000 }, (_, i) => Math.sin(i) * 1e3 + 1e-7 * i);
		const text = float32ToBase64(long);
		expect(text).toBe(Buffer.from(long.buffer).toString('base64'));
		expect(base64ToFloat32(text)).toEqual(long);
	});

	it('refuses base64 that is not whole float32 values', () => {
		expect(() => base64ToFloat32('AAAAAAA=')).toThrow(/whole float32 values \(4 bytes each\), got 5 bytes/);
		expect(() => base64ToFloat32('AAE=')).toThrow(/got 2 bytes/);
	});

	it('builds the response in either encoding, in input order', () => {
		const vectors = [Float32Array.of(0.5, -0.25), Float32Array.of(1, 0)];
		const floats = embeddingResponse('m', vectors, 7);
		expect(floats).toEqual({
			object: 'list',
			data: [
				{ object: 'embedding', index: 0, embedding: [0.5, -0.25] },
				{ object: 'embedding', index: 1, embedding: [1, 0] }
			],
			model: 'm',
			usage: { prompt_tokens: 7, total_tokens: 7 }
		});
		const b64 = embeddingResponse('m', vectors, 7, 'base64');
		expect(b64.data.map((d) => embeddingValues(d.embedding))).toEqual(vectors);
	});
});
