// OpenAI's embeddings response and its two encodings (a float array, or base64 of little-endian float32
// bytes): built by the onnx backend and the browser worker, read by the remote engine and by tests.
import { z } from 'zod';

export const EmbeddingResponseSchema = z.object({
	object: z.literal('list'),
	data: z.array(z.object({ object: z.literal('embedding'), index: z.number().int(), embedding: z.union([z.array(z.number()), z.string()]) })),
	model: z.string(),
	usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() })
});
export type EmbeddingResponse = z.infer<typeof EmbeddingResponseSchema>;

export type EncodingFormat = 'float' | 'base64';

/** OpenAI's base64 embedding: the vector's float32 values as little-endian bytes, whatever this machine's byte order. */
export function float32ToBase64(values: Float32Array): string {
	const view = new DataView(new ArrayBuffer(values.length * 4));
	values.forEach((v, i) => view.setFloat32(i * 4, v, true));
	const bytes = new Uint8Array(view.buffer);
	let binary = '';
	// In slices: String.fromCharCode takes its bytes as arguments, and engines cap an argument list.
	for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return btoa(binary);
}

/** The inverse of float32ToBase64; a string that is not base64 of whole float32 values throws. */
export function base64ToFloat32(text: string): Float32Array {
	const binary = atob(text);
	if (binary.length % 4 !== 0) throw new Error(`A base64 embedding must decode to whole float32 values (4 bytes each), got ${binary.length} bytes.`);
	const view = new DataView(new ArrayBuffer(binary.length));
	for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
	return Float32Array.from({ length: binary.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** An embedding of either encoding as floats. */
export function embeddingValues(embedding: number[] | string): Float32Array {
	return typeof embedding === 'string' ? base64ToFloat32(embedding) : Float32Array.from(embedding);
}

/** The OpenAI response for `vectors` (in input order); `promptTokens` counts the tokens of every input. */
export function embeddingResponse(model: string, vectors: readonly Float32Array[], promptTokens: number, format: EncodingFormat = 'float'): EmbeddingResponse {
	return {
		object: 'list',
		data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? float32ToBase64(v) : Array.from(v) })),
		model,
		usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }
	};
}
