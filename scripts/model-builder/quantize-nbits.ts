// 4-bit blockwise weight quantization in ONNX Runtime's `com.microsoft::MatMulNBits` layout, and
// the exact float32 dequantization its kernels perform, shared by the graph and the reference.
//
// Layout (ORT docs/ContribOperators.md and matmul_nbits_quantizer.py): the [K, N] weight of
// `y = x · W` is quantized per output column n in blocks of `blockSize` consecutive k.
//   B           uint8 [N, kBlocks, blockSize / 2]: column n, block b, element i (k = b·bs + i) is
//               the low nibble of byte i/2 when i is even, the high nibble when i is odd.
//   scales      float [N · kBlocks], index n·kBlocks + b.
//   zero_points uint8 [N · ceil(kBlocks / 2)] packed the same way (low nibble = even block);
//               absent means the default zero point 8 (symmetric quantization).
//   dequantized W[k, n] = (q − zero_point) · scale

export const NBITS = 4;

export interface NBitsMatrix {
	/** K: input features (rows of the [K, N] float weight). */
	k: number;
	/** N: output features (columns of the float weight). */
	n: number;
	blockSize: number;
	kBlocks: number;
	packed: Uint8Array; // [N, kBlocks, blockSize / 2]
	scales: Float32Array; // [N * kBlocks]
	/** Packed zero points, [N * ceil(kBlocks / 2)]; null for symmetric (implicit 8). */
	zeroPoints: Uint8Array | null;
}

export interface NBitsOptions {
	blockSize: number;
	/** true: zero point 8, scale = (signed max-magnitude value) / −8, codes use all of 0..15. */
	symmetric: boolean;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** Quantize a row-major [K, N] float matrix (`y = x · W`) to MatMulNBits 4-bit blocks. */
export function quantizeNBits(w: Float32Array, K: number, N: number, opts: NBitsOptions): NBitsMatrix {
	const bs = opts.blockSize;
	if (bs < 16 || (bs & (bs - 1)) !== 0) throw new Error(`block_size must be a power of two ≥ 16, got ${bs}`);
	if (w.length !== K * N) throw new Error(`weight has ${w.length} values, expected ${K}×${N}`);
	const kBlocks = Math.ceil(K / bs);
	const blob = bs / 2;
	const zpRow = Math.ceil(kBlocks / 2);
	const packed = new Uint8Array(N * kBlocks * blob);
	const scales = new Float32Array(N * kBlocks);
	const zeroPoints = opts.symmetric ? null : new Uint8Array(N * zpRow);
	const codes = new Uint8Array(bs);
	for (let n = 0; n < N; n++) {
		for (let b = 0; b < kBlocks; b++) {
			const k0 = b * bs;
			const len = Math.min(bs, K - k0); // a short last block is zero-padded
			let min = 0;
			let max = 0;
			for (let i = 0; i < len; i++) {
				const v = w[(k0 + i) * N + n];
				if (v < min) min = v;
				if (v > max) max = v;
			}
			let scale: number;
			let zp = 8;
			if (opts.symmetric) {
				scale = Math.fround((Math.abs(max) > Math.abs(min) ? max : min) / -8);
			} else {
				scale = Math.fround((max - min) / 15);
				zp = scale === 0 ? 8 : clamp(Math.round(-min / scale), 0, 15);
			}
			codes.fill(zp);
			if (scale !== 0) {
				for (let i = 0; i < len; i++) codes[i] = clamp(Math.round(w[(k0 + i) * N + n] / scale) + zp, 0, 15);
			}
			const at = (n * kBlocks + b) * blob;
			for (let j = 0; j < blob; j++) packed[at + j] = codes[2 * j] | (codes[2 * j + 1] << 4);
			scales[n * kBlocks + b] = scale;
			if (zeroPoints) zeroPoints[n * zpRow + (b >> 1)] |= zp << ((b & 1) * 4);
		}
	}
	return { k: K, n: N, blockSize: bs, kBlocks, packed, scales, zeroPoints };
}

/** The zero point of column n, block b. */
export function zeroPointOf(m: NBitsMatrix, n: number, b: number): number {
	if (!m.zeroPoints) return 8;
	return (m.zeroPoints[n * Math.ceil(m.kBlocks / 2) + (b >> 1)] >> ((b & 1) * 4)) & 0xf;
}

/** The 4-bit code of W[k, n]. */
export function codeOf(m: NBitsMatrix, k: number, n: number): number {
	const b = Math.floor(k / m.blockSize);
	const i = k - b * m.blockSize;
	const byte = m.packed[(n * m.kBlocks + b) * (m.blockSize / 2) + (i >> 1)];
	return (byte >> ((i & 1) * 4)) & 0xf;
}

/** Row-major [K, N] float32 weights exactly as MatMulNBits dequantizes them. */
export function dequantizeNBits(m: NBitsMatrix): Float32Array {
	const out = new Float32Array(m.k * m.n);
	for (let n = 0; n < m.n; n++) {
		for (let k = 0; k < m.k; k++) {
			const b = Math.floor(k / m.blockSize);
			out[k * m.n + n] = (codeOf(m, k, n) - zeroPointOf(m, n, b)) * m.scales[n * m.kBlocks + b];
		}
	}
	return out;
}
