// Whether a web-llm model can run here: web-llm only runs on WebGPU, and only a real GPU makes it
// worthwhile. The router calls this before choosing web-llm; the model manager shows its reasons.
import type { Capabilities } from './capabilities';
import type { WebllmModel } from './webllm-adapter';

export type WebllmFit = { fits: boolean; reasons: Array<{ ok: boolean; text: string }> };

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
/** web-llm's rule of thumb: low-resource models work within WebGPU's default 128 MiB binding limit, others want 1 GiB. */
const DEFAULT_BUFFER_NEED = { low: 128 * MiB, normal: GiB };
/** Share of reported system memory a model's VRAM may take: integrated GPUs share it with everything else. */
const MEMORY_SHARE = 0.75;

export function webllmFits(model: Pick<WebllmModel, 'requiredFeatures' | 'vramBytes' | 'lowResource' | 'bufferBytes'>, caps: Capabilities): WebllmFit {
	const gpu = caps.webgpu;
	const reasons: WebllmFit['reasons'] = [];
	const ok = (text: string) => reasons.push({ ok: true, text });
	const fail = (text: string) => reasons.push({ ok: false, text });

	if (!gpu.available) fail('No WebGPU adapter: web-llm needs WebGPU.');
	else if (gpu.fallback) fail(`The WebGPU adapter is a software fallback (${gpu.architecture || 'CPU'}), not a real GPU.`);
	else ok(`Real WebGPU adapter${gpu.vendor ? ` (${gpu.vendor})` : ''}.`);

	if (gpu.available && model.requiredFeatures.includes('shader-f16')) {
		if (gpu.shaderF16) ok('shader-f16 supported.');
		else fail('Needs shader-f16 (f16 weights), which this GPU lacks: pick a q4f32 variant.');
	}

	if (gpu.available) {
		const need = model.bufferBytes ?? (model.lowResource ? DEFAULT_BUFFER_NEED.low : DEFAULT_BUFFER_NEED.normal);
		const have = Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize);
		if (have >= need) ok(`GPU buffer limits (${Math.round(have / MiB)} MiB) are enough.`);
		else fail(`GPU buffer limits (${Math.round(have / MiB)} MiB) are below the ${Math.round(need / MiB)} MiB this model needs.`);
	}

	if (model.vramBytes === null) ok('GPU memory need unknown.');
	else if (caps.deviceMemoryGiB === null) ok(`Needs ~${(model.vramBytes / GiB).toFixed(1)} GiB of GPU memory; this device does not report its memory.`);
	else if (model.vramBytes <= caps.deviceMemoryGiB * GiB * MEMORY_SHARE)
		ok(`Needs ~${(model.vramBytes / GiB).toFixed(1)} GiB of GPU memory; the device reports ≥ ${caps.deviceMemoryGiB} GiB.`);
	else fail(`Needs ~${(model.vramBytes / GiB).toFixed(1)} GiB of GPU memory; the device reports ${caps.deviceMemoryGiB} GiB.`);

	return { fits: reasons.every((r) => r.ok), reasons };
}
