import { describe, expect, it } from 'vitest';
import { prebuiltAppConfig, type ChatCompletionChunk as WebllmChunk, type ModelRecord } from '@mlc-ai/web-llm';
import { CatalogModelSchema } from '$lib/catalog/catalog';
import type { ChatCompletionRequest } from '$lib/protocol/openai';
import { mapChunk, mapError, mapInitProgress, quantOf, streamWebllm, toWebllmRequest, webllmCatalogEntry, type WebllmEngineLike } from './webllm-adapter';

const records = prebuiltAppConfig.model_list;
const record = (id: string): ModelRecord => records.find((r) => r.model_id === id)!;

describe('webllmCatalogEntry over the package’s real prebuiltAppConfig', () => {
	it('maps a q4f16 record: id, VRAM size, shader-f16, context length, low-resource flag', () => {
		const m = webllmCatalogEntry(record('Llama-3.2-1B-Instruct-q4f16_1-MLC'))!;
		expect(m).toMatchObject({
			id: 'Llama-3.2-1B-Instruct-q4f16_1-MLC',
			runtime: 'web-llm',
			defaultDtype: 'q4f16',
			contextLength: 4096,
			requiredFeatures: ['shader-f16'],
			lowResource: true,
			downloadSizeKnown: false,
			source: { host: 'hf', repo: 'mlc-ai/Llama-3.2-1B-Instruct-q4f16_1-MLC' }
		});
		expect(m.vramBytes).toBe(Math.round(record('Llama-3.2-1B-Instruct-q4f16_1-MLC').vram_required_MB! * 1e6));
		expect(m.sizes.q4f16).toBe(m.vramBytes);
		expect(CatalogModelSchema.safeParse(m).success).toBe(true);
	});

	it('a q4f32 record needs no shader-f16; f16 comes from the id or from required_features', () => {
		expect(webllmCatalogEntry(record('Llama-3.2-1B-Instruct-q4f32_1-MLC'))!.requiredFeatures).toEqual([]);
		for (const r of records.filter((r) => r.required_features?.includes('shader-f16'))) {
			expect(webllmCatalogEntry(r)?.requiredFeatures ?? ['shader-f16']).toContain('shader-f16');
		}
	});

	it('leaves out embedding and vision models and unmapped quantizations, keeps every other LLM', () => {
		const kept = records.map(webllmCatalogEntry).filter((m) => m !== null);
		expect(kept.length).toBeGreaterThan(50);
		for (const r of records.filter((r) => r.model_type === 1 || r.model_type === 2)) expect(webllmCatalogEntry(r)).toBeNull();
		expect(quantOf('x-q3f16_1-MLC')).toMatchObject({ dtype: null, f16: true });
		expect(quantOf('SmolLM2-135M-Instruct-q0f32-MLC')).toMatchObject({ dtype: 'fp32', f16: false });
	});
});

describe('mapInitProgress', () => {
	it.each([
		[{ progress: 0.1, timeElapsed: 5, text: 'Fetching param cache[3/50]: 120MB fetched. 10% completed, 5 secs elapsed.' }, { phase: 'download', loaded: 120e6, total: 1200e6 }],
		[{ progress: 0.5, timeElapsed: 1, text: 'Loading model from cache[25/50]: 600MB loaded. 50% completed, 1 secs elapsed.' }, { phase: 'cache', loaded: 600e6, total: 1200e6 }],
		[{ progress: 0.25, timeElapsed: 9, text: 'Loading GPU shader modules[10/40]: 25% completed, 9 secs elapsed.' }, { phase: 'init', loaded: 250, total: 1000 }],
		[{ progress: 0, timeElapsed: 0, text: 'Start to fetch params' }, { phase: 'download', loaded: 0, total: 1000 }]
	])('%o', (report, expected) => {
		expect(mapInitProgress(report, 1000)).toEqual(expected);
	});
});

const chunk = (content: string | null, finish: WebllmChunk.Choice['finish_reason'] = null, usage?: WebllmChunk['usage']): WebllmChunk => ({
	id: 'chatcmpl-1',
	object: 'chat.completion.chunk',
	created: 1,
	model: 'M',
	choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: finish, logprobs: null }],
	...(usage ? { usage } : {})
});

describe('mapChunk and toWebllmRequest', () => {
	it('keeps deltas, maps finish reasons and usage (dropping web-llm’s extras)', () => {
		expect(mapChunk(chunk('Hi'), 'M').choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null });
		expect(mapChunk(chunk(null, 'tool_calls'), 'M').choices[0]).toEqual({ index: 0, delta: { role: 'assistant' }, finish_reason: 'stop' });
		const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, extra: { e2e_latency_s: 1, prefill_tokens_per_s: 1, decode_tokens_per_s: 1, time_to_first_token_s: 1, time_per_output_token_s: 1 } };
		expect(mapChunk({ ...chunk(null), choices: [], usage }, 'M').usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
	});

	it('always streams with a usage chunk', () => {
		const req = toWebllmRequest({ model: 'M', messages: [{ role: 'user', content: 'x' }], stream: false, max_tokens: 9 });
		expect(req).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_tokens: 9 });
	});
});

/** Implements the MLCEngine methods we call; streams `n` chunks, one every `everyMs`, until interrupted. */
function fakeEngine(opts: { n?: number; everyMs?: number; failWith?: Error } = {}) {
	const state = { interrupted: 0, requests: [] as unknown[] };
	const engine: WebllmEngineLike = {
		reload: async () => undefined,
		unload: async () => undefined,
		interruptGenerate: () => void state.interrupted++,
		chat: {
			completions: {
				async create(request) {
					state.requests.push(request);
					return (async function* () {
						for (let i = 0; i < (opts.n ?? 3); i++) {
							await new Promise((r) => setTimeout(r, opts.everyMs ?? 1));
							if (state.interrupted) return;
							if (opts.failWith && i === 1) throw opts.failWith;
							yield chunk(`t${i}`);
						}
						yield chunk(null, 'stop', { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4, extra: { e2e_latency_s: 1, prefill_tokens_per_s: 1, decode_tokens_per_s: 1, time_to_first_token_s: 1, time_per_output_token_s: 1 } });
					})();
				}
			}
		}
	};
	return { engine, state };
}

const request: ChatCompletionRequest = { model: 'M', messages: [{ role: 'user', content: 'hi' }] };

describe('streamWebllm against a fake MLCEngine', () => {
	it('forwards every chunk as ours, ending with usage', async () => {
		const { engine } = fakeEngine();
		const out = [];
		for await (const c of streamWebllm(engine, request)) out.push(c);
		expect(out.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('t0t1t2');
		expect(out.at(-1)).toMatchObject({ usage: { total_tokens: 4 }, choices: [{ finish_reason: 'stop' }] });
	});

	it('abort calls interruptGenerate and ends the stream', async () => {
		const { engine, state } = fakeEngine({ n: 1000, everyMs: 2 });
		const controller = new AbortController();
		let n = 0;
		for await (const _ of streamWebllm(engine, request, controller.signal)) if (++n === 2) controller.abort();
		expect(n).toBe(2);
		expect(state.interrupted).toBe(1);
	});

	it('errors become LumenErrors with a code and a message that says what to do', async () => {
		const lost = Object.assign(new Error('device lost'), { name: 'DeviceLostError' });
		const { engine } = fakeEngine({ failWith: lost });
		await expect(async () => {
			for await (const _ of streamWebllm(engine, request)) void _;
		}).rejects.toMatchObject({ name: 'LumenError', code: 'worker_crashed', retryable: true, message: expect.stringMatching(/Load the model again/) });
	});
});

describe('mapError', () => {
	it.each([
		['ShaderF16SupportError', 'model_load_failed', /q4f32/],
		['WebGPUNotFoundError', 'model_load_failed', /Transformers\.js/],
		['ModelNotFoundError', 'model_not_found', /does not know/],
		['QuotaExceededError', 'quota_exceeded', /Delete a cached model/]
	])('%s → %s', (name, code, message) => {
		expect(mapError(Object.assign(new Error('x'), { name }))).toMatchObject({ code, message: expect.stringMatching(message) });
	});
	it('a failed fetch is a retryable network error', () => {
		expect(mapError(new TypeError('Failed to fetch'))).toMatchObject({ code: 'network', retryable: true });
		// What web-llm 0.2.86 really throws offline (seen in Chromium): the fetch error wrapped in a plain Error.
		const wrapped = new Error('Failed to store https://huggingface.co/x/mlc-chat-config.json with error: TypeError: Failed to fetch');
		expect(mapError(wrapped)).toMatchObject({ code: 'network', retryable: true, message: expect.stringMatching(/Check the connection/) });
	});
});
