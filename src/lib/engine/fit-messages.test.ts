// The fit verdict, the placement and the route in words: every reason id they can give renders in English and
// in Simplified Chinese, carrying its numbers and names, and the English is the wording the page always showed.
import { describe, expect, it } from 'vitest';
import { findModel, type CatalogModel } from '$lib/catalog/catalog';
import { webllmModels } from '$lib/catalog/webllm';
import { MESSAGES, messageText, type Message } from '$lib/i18n/format';
import type { Capabilities } from './capabilities';
import { caps, GiB, MiB } from './test-capabilities';
import { fitFor } from './fit';
import { remoteOnlyModel } from './picker';
import type { DeviceOverride } from './placement';
import { routeModel, serverRoute, type CoordinatorInfo } from './router';


const tiny = findModel('lumen-tiny-a')!;
const llama = findModel('llama-3.2-1b-instruct')!;
const phi = findModel('phi-3.5-mini-instruct')!;
const q4f16 = webllmModels.find((m) => m.id === 'Llama-3.2-1B-Instruct-q4f16_1-MLC')!;
const q4f32 = webllmModels.find((m) => m.id === 'Llama-3.2-1B-Instruct-q4f32_1-MLC')!;
const swiftshader = { fallback: true, architecture: 'swiftshader', shaderF16: false };
const coordinator = (models: string[]): CoordinatorInfo => ({ url: 'http://gpu.box:8000', models });
const tooSmall = { storageQuotaBytes: 30e6, storageUsageBytes: 0 };

/** Situations that, between them, give every reason the fit verdict, the placement and the router have. */
const situations: [string, CatalogModel, Capabilities, DeviceOverride?, CoordinatorInfo?, number?][] = [
	['real GPU', tiny, caps()],
	['real GPU, no vendor name', tiny, caps({ webgpu: { vendor: '' } })],
	['no WebGPU', tiny, caps({ webgpu: null })],
	['SwiftShader', tiny, caps({ webgpu: swiftshader })],
	['CPU asked for', tiny, caps(), 'wasm'],
	['WebGPU asked for, none there', tiny, caps({ webgpu: null }), 'webgpu'],
	['WebGPU asked for on SwiftShader', tiny, caps({ webgpu: swiftshader }), 'webgpu'],
	['WebGPU asked for', tiny, caps(), 'webgpu'],
	['4-bit default on the CPU', { ...tiny, defaultDtype: 'q4' }, caps({ webgpu: null })],
	['f16 model with shader-f16', llama, caps()],
	['f16 model without shader-f16', llama, caps({ webgpu: { shaderF16: false } })],
	['f16-only model without shader-f16', phi, caps({ webgpu: { shaderF16: false } })],
	['unchecked WebGPU feature', { ...tiny, requiredFeatures: ['subgroups'] }, caps()],
	['GPU buffers too small', tiny, caps({ webgpu: { maxBufferSize: 1 * MiB } })],
	['memory not reported', tiny, caps({ deviceMemoryGiB: null })],
	['memory too small', { ...tiny, sizes: { fp32: 6 * GiB } }, caps({ deviceMemoryGiB: 4 })],
	['already stored', tiny, caps(), 'auto', null, tiny.sizes.fp32],
	['quota unknown', tiny, caps({ storageQuotaBytes: null })],
	['quota too small, coordinator serves it', tiny, caps(tooSmall), 'auto', coordinator([tiny.id])],
	['quota too small, coordinator does not', tiny, caps(tooSmall), 'auto', coordinator([])],
	['web-llm on a real GPU', q4f32, caps()],
	['web-llm without WebGPU', q4f32, caps({ webgpu: null })],
	['web-llm on SwiftShader', q4f32, caps({ webgpu: swiftshader })],
	['web-llm f16 without shader-f16', q4f16, caps({ webgpu: { shaderF16: false } })],
	['web-llm model of unknown memory need', { ...tiny, runtime: 'web-llm' }, caps()],
	['coordinator-only model', remoteOnlyModel('big-model'), caps()]
];

function withNested(message: Message): Message[] {
	return [message, ...Object.values(message.values ?? {}).flatMap((v) => (typeof v === 'object' ? withNested(v) : []))];
}

const messages: Message[] = situations.flatMap(([, model, c, override = 'auto', coord = null, cached = 0]) => {
	const fit = fitFor(model, c, cached, override);
	const route = routeModel(model, c, override, coord, cached);
	return [...fit.reasons, ...fit.placement.reasons, ...withNested(route.whereReason), ...route.reasons];
});
messages.push(serverRoute(tiny, { url: 'http://gpu.box:8000', models: [tiny.id] }).whereReason);

describe('fit, placement and route reasons in words', () => {
	it('the situations reach every fit.*, place.* and route.* message', () => {
		const ids = Object.keys(MESSAGES.en).filter((key) => /^(fit|place|route)\./.test(key));
		expect(ids.length).toBeGreaterThan(40);
		expect(ids.filter((id) => !messages.some((m) => m.id === id))).toEqual([]);
	});

	it('every reason renders in both languages, with its numbers and names, and Chinese is Chinese', () => {
		for (const message of messages) {
			const en = messageText(message, 'en');
			const zh = messageText(message, 'zh-CN');
			for (const text of [en, zh]) expect(text, message.id).not.toMatch(/[{}]/);
			expect(zh, message.id).toMatch(/\p{Script=Han}/u);
			expect(zh, message.id).not.toBe(en);
			for (const value of Object.values(message.values ?? {}))
				if (typeof value !== 'object') {
					expect(en, `${message.id} (en) shows ${value}`).toContain(String(value));
					expect(zh, `${message.id} (zh-CN) shows ${value}`).toContain(String(value));
				}
		}
	});

	it('keeps the English wording, nested reasons reading as clauses', () => {
		const route = routeModel(tiny, caps(tooSmall), 'auto', coordinator([]));
		expect(messageText(route.whereReason)).toBe(
			'Cannot run here: needs 26 MiB, this browser allows 23 MiB, and the coordinator at http://gpu.box:8000 does not serve it.'
		);
		expect(messageText(route.whereReason, 'zh-CN')).toBe('无法在这里运行：需要 26 MiB，此浏览器只允许 23 MiB，而且协调器 http://gpu.box:8000 不提供它。');
		const webllm = routeModel(q4f32, caps({ webgpu: swiftshader }));
		expect(messageText(webllm.whereReason)).toBe(
			'Cannot run here: web-llm cannot run it here (the WebGPU adapter is a software fallback (swiftshader), not a real GPU), and no coordinator is configured (see Settings).'
		);
		const memory = fitFor({ ...tiny, sizes: { fp32: 6 * GiB } }, caps({ deviceMemoryGiB: 4 })).reasons.find((r) => r.level === 'fail')!;
		expect(messageText(memory)).toBe("Needs ~7.5 GiB of memory, more than this device's memory allows (3.0 GiB of the 4 GiB it reports).");
		expect(messageText(memory, 'zh-CN')).toBe('需要约 7.5 GiB 内存，超出本设备内存的允许范围（它报告 4 GiB，可用 3.0 GiB）。');
	});
});
