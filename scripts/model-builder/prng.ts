// Deterministic seeded random numbers (mulberry32) and string hashing, using only integer
// and basic float arithmetic so the same seed gives bit-identical weights on every platform.

/** 32-bit FNV-1a hash of a string (UTF-16 code units), used to derive per-tensor seeds. */
export function hashString(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A PRNG stream derived from a model seed and a tensor name, so tensors are independent. */
export function streamFor(seed: number, name: string): () => number {
	return mulberry32(hashString(`${seed >>> 0}:${name}`));
}

/**
 * Approximately normal noise with mean 0 and standard deviation 1 (Irwin–Hall of 4 uniforms,
 * rescaled). Bounded to ±2√3, which keeps random weights free of extreme outliers.
 */
export function gaussianLike(rand: () => number): number {
	return (rand() + rand() + rand() + rand() - 2) * Math.sqrt(3);
}

/** Fill a Float32Array with `gaussianLike` noise times `std`, plus `mean`. */
export function randomTensor(
	seed: number,
	name: string,
	size: number,
	std: number,
	mean = 0
): Float32Array {
	const rand = streamFor(seed, name);
	const out = new Float32Array(size);
	for (let i = 0; i < size; i++) out[i] = mean + std * gaussianLike(rand);
	return out;
}
