// MatMulNBits layout checks: the TypeScript packing round-trips, a single-op graph computes
// x · dequantize(W) on onnxruntime-node and -web alike, and model_q4.onnx uses it everywhere.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataType, GraphBuilder, MS_DOMAIN } from './onnx-graph';
import { randomTensor } from './prng';
import { codeOf, dequantizeNBits, quantizeNBits, zeroPointOf, type NBitsMatrix } from './quantize-nbits';
import { ensureModels, specOf } from './test-support';

beforeAll(() => {
	ortWeb.env.wasm.numThreads = 1;
});

describe('quantizeNBits', () => {
	it('packs two codes per byte, low nibble first, per column and block', () => {
		// K = 32, N = 2, one block: column 0 counts up k − 8, column 1 is its negation.
		const K = 32;
		const w = new Float32Array(K * 2);
		for (let k = 0; k < K; k++) [w[k * 2], w[k * 2 + 1]] = [(k % 16) - 8, 8 - (k % 16)];
		const m = quantizeNBits(w, K, 2, { blockSize: 32, symmetric: true });
		expect(m.packed).toHaveLength(2 * 1 * 16);
		// column 0: the extreme −8 sets scale = −8 / −8 = 1, codes = value + 8 = k % 16
		expect(m.scales[0]).toBe(1);
		expect(m.packed[0]).toBe(0x10); // k=0 → code 0 (low nibble), k=1 → code 1 (high nibble)
		expect(m.packed[1]).toBe(0x32);
		// column 1: extreme +8 → scale = 8 / −8 = −1
		expect(m.scales[1]).toBe(-1);
		expect(Array.from(dequantizeNBits(m), (v) => v + 0)).toEqual(Array.from(w)); // + 0: −0 → 0
	});

	it.each([
		[16, true],
		[32, false],
		[64, true],
		[128, false]
	] as const)('block %i symmetric=%s: codes in range, small error, last block padded', (blockSize, symmetric) => {
		const K = 200; // not a multiple of the block size
		const N = 24;
		const w = randomTensor(7, 'w', K * N, 0.05);
		const m = quantizeNBits(w, K, N, { blockSize, symmetric });
		expect(m.kBlocks).toBe(Math.ceil(K / blockSize));
		expect(m.packed).toHaveLength(N * m.kBlocks * (blockSize / 2));
		expect(m.scales).toHaveLength(N * m.kBlocks);
		expect(m.zeroPoints?.length ?? 0).toBe(symmetric ? 0 : N * Math.ceil(m.kBlocks / 2));
		const dq = dequantizeNBits(m);
		for (let n = 0; n < N; n++) {
			for (let k = 0; k < K; k++) {
				const b = Math.floor(k / blockSize);
				const scale = Math.abs(m.scales[n * m.kBlocks + b]);
				// half a step, except that symmetric codes stop at +7: the opposite extreme may lose a step
				const bound = symmetric ? scale : scale / 2;
				expect(Math.abs(dq[k * N + n] - w[k * N + n])).toBeLessThanOrEqual(bound + 1e-7);
				expect(codeOf(m, k, n)).toBeLessThan(16);
			}
			const zp = zeroPointOf(m, n, m.kBlocks - 1);
			for (let k = K; k < m.kBlocks * blockSize; k++) expect(codeOf(m, k, n)).toBe(zp); // padding dequantizes to 0
		}
	});

	it('rejects block sizes ONNX Runtime does not accept', () => {
		const w = new Float32Array(48 * 4);
		expect(() => quantizeNBits(w, 48, 4, { blockSize: 8, symmetric: true })).toThrow(/block_size/);
		expect(() => quantizeNBits(w, 48, 4, { blockSize: 48, symmetric: true })).toThrow(/block_size/);
	});
});

function singleOpModel(m: NBitsMatrix): Uint8Array {
	const g = new GraphBuilder();
	const x = g.input('x', DataType.FLOAT, ['M', m.k]);
	const inputs = [
		x,
		g.initializer('B', m.packed, [m.n, m.kBlocks, m.blockSize / 2], DataType.UINT8),
		g.float('scales', m.scales, [m.n * m.kBlocks])
	];
	if (m.zeroPoints) inputs.push(g.initializer('zp', m.zeroPoints, [m.zeroPoints.length], DataType.UINT8));
	g.msOp('MatMulNBits', inputs, { K: m.k, N: m.n, bits: 4, block_size: m.blockSize }, 'y');
	g.output('y', DataType.FLOAT, ['M', m.n]);
	return g.encode('matmulnbits');
}

describe.each([
	[256, 48, 32, true],
	[256, 48, 16, false],
	[512, 40, 64, false],
	[96, 24, 64, true], // K not a multiple of the block size
	[768, 32, 128, true]
] as const)('MatMulNBits K=%i N=%i block=%i symmetric=%s', (K, N, blockSize, symmetric) => {
	const m = quantizeNBits(randomTensor(K, 'w', K * N, 0.1), K, N, { blockSize, symmetric });
	const dq = dequantizeNBits(m);
	const M = 3;
	const a = randomTensor(N, 'a', M * K, 1);
	const expected = new Float64Array(M * N);
	for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) expected[i * N + n] += a[i * K + k] * dq[k * N + n];

	it.each(['onnxruntime-node', 'onnxruntime-web'] as const)('%s computes x · dequantize(W)', async (name) => {
		const bytes = singleOpModel(m);
		const rt = (name === 'onnxruntime-node' ? ortNode : ortWeb) as typeof ortNode;
		const session = await rt.InferenceSession.create(
			bytes,
			name === 'onnxruntime-web' ? { executionProviders: ['wasm'] } : { intraOpNumThreads: 1 }
		);
		for (const rows of [M, 1]) {
			const out = await session.run({ x: new rt.Tensor('float32', a.slice(0, rows * K), [rows, K]) });
			const y = out.y.data as Float32Array;
			let err = 0;
			for (let i = 0; i < rows * N; i++) err = Math.max(err, Math.abs(y[i] - expected[i]));
			expect(err, `M=${rows}`).toBeLessThan(1e-4); // measured ≤ 4e-6
		}
		await session.release();
	});
});

describe('model_q4.onnx', () => {
	it('replaces every linear layer (and only those) with MatMulNBits', () => {
		const outDir = ensureModels();
		const spec = specOf('lumen-tiny-a');
		const bytes = readFileSync(join(outDir, spec.id, 'onnx', 'model_q4.onnx'));
		const model = onnxProto.onnx.ModelProto.decode(bytes);
		expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
			['', 17],
			[MS_DOMAIN, 1]
		]);
		const nodes = model.graph!.node!;
		const nbits = nodes.filter((n) => n.opType === 'MatMulNBits');
		expect(nbits).toHaveLength(7 * spec.numLayers + 1);
		expect(nbits.every((n) => n.domain === MS_DOMAIN && n.input!.length === 3)).toBe(true);
		const attrs = (n: (typeof nodes)[number]) =>
			Object.fromEntries(n.attribute!.map((a) => [a.name, Number(a.i)]));
		expect(attrs(nbits[nbits.length - 1])).toEqual({ K: 256, N: 512, bits: 4, block_size: 32 });
		// the only MatMuls left are attention's q·kᵀ and p·v, which have no weights
		const inits = new Set(model.graph!.initializer!.map((t) => t.name));
		const matmuls = nodes.filter((n) => n.opType === 'MatMul');
		expect(matmuls).toHaveLength(2 * spec.numLayers);
		expect(matmuls.some((n) => n.input!.some((i) => inits.has(i)))).toBe(false);
		expect(inits.has('embed_tokens')).toBe(true); // the embedding stays fp32
	});
});
