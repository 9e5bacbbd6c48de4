// Symmetric per-channel int8 weight quantization (zero point 0) and the exact float32
// dequantization that ONNX DequantizeLinear performs, shared by the graph and the reference.

export interface QuantizedMatrix {
	q: Int8Array; // same layout as the float matrix, row-major [rows, cols]
	scale: Float32Array; // one per channel along `axis`
	rows: number;
	cols: number;
	/** 0: one scale per row, 1: one scale per column (per output channel for [in, out]). */
	axis: 0 | 1;
}

export function quantizePerChannel(
	w: Float32Array,
	rows: number,
	cols: number,
	axis: 0 | 1
): QuantizedMatrix {
	const channels = axis === 0 ? rows : cols;
	const maxAbs = new Float64Array(channels);
	for (let r = 0; r < rows; r++) {
		for (let c = 0; c < cols; c++) {
			const ch = axis === 0 ? r : c;
			const a = Math.abs(w[r * cols + c]);
			if (a > maxAbs[ch]) maxAbs[ch] = a;
		}
	}
	const scale = new Float32Array(channels);
	for (let ch = 0; ch < channels; ch++) scale[ch] = maxAbs[ch] > 0 ? maxAbs[ch] / 127 : 1;
	const q = new Int8Array(rows * cols);
	for (let r = 0; r < rows; r++) {
		for (let c = 0; c < cols; c++) {
			const s = scale[axis === 0 ? r : c];
			const v = Math.round(w[r * cols + c] / s);
			q[r * cols + c] = Math.max(-127, Math.min(127, v));
		}
	}
	return { q, scale, rows, cols, axis };
}

/** float32(q * scale), bit-identical to DequantizeLinear with a zero point of 0. */
export function dequantize(m: QuantizedMatrix): Float32Array {
	const out = new Float32Array(m.rows * m.cols);
	for (let r = 0; r < m.rows; r++) {
		for (let c = 0; c < m.cols; c++) {
			const i = r * m.cols + c;
			out[i] = m.q[i] * m.scale[m.axis === 0 ? r : c];
		}
	}
	return out;
}
