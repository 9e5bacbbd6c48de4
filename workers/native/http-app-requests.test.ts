// What reaches a backend: a local backend gets only the parameters it declared it honours (the rest are
// refused by name, neutral values excepted); a relaying backend gets the client's body unchanged and its
// answer goes back unchanged, the queue slot held until it is sent, a broken upstream stream ended cleanly.
import { afterEach, describe, expect, it } from 'vitest';
import { makeChunk, type ChatCompletionChunk, type ChatCompletionRequest, type CompletionChunk, type EmbeddingRequest } from '#protocol/openai';
import type { Backend, SupportedParameters } from './backend';
import { startApp, stopApp, type StartedApp } from './http-app-testing';
import { until } from './test-support';

const apps: StartedApp[] = [];
afterEach(async () => {
	for (const a of apps.splice(0)) await stopApp(a);
});

const messages = [{ role: 'user', content: 'hi' }];

/** A local backend that records the requests it is given and answers "ok". */
async function local(supports?: SupportedParameters) {
	const seen: { chat: ChatCompletionRequest[]; complete: unknown[]; embed: EmbeddingRequest[] } = { chat: [], complete: [], embed: [] };
	const app = await startApp({
		supports,
		chat: async function* (request): AsyncGenerator<ChatCompletionChunk> {
			seen.chat.push(request);
			yield makeChunk('c', 'm', { role: 'assistant', content: 'ok' });
			yield makeChunk('c', 'm', {}, 'stop');
		},
		complete: async function* (request): AsyncGenerator<CompletionChunk> {
			seen.complete.push(request);
			yield { id: 'x', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: 'ok', finish_reason: 'stop' }] };
		},
		embed: async (request) => {
			seen.embed.push(request);
			return { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1] }], model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 } };
		}
	});
	apps.push(app);
	const post = async (path: string, body: object) => {
		const res = await fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		return { status: res.status, body: (await res.json()) as { error?: { message: string; type: string; param: string | null; code: string } } };
	};
	return { seen, post };
}

describe('parameters a local backend does not honour', () => {
	it('are refused with a 400 naming the parameter, what was asked and what to do', async () => {
		const { seen, post } = await local({ chat: new Set(['temperature']), completions: new Set(), embeddings: new Set() });
		const refused = await post('/chat/completions', { model: 'm', messages, response_format: { type: 'json_object' } });
		expect(refused).toEqual({
			status: 400,
			body: {
				error: {
					message:
						"The onnx backend cannot honour 'response_format' (json_object). Remove it, or send the request to a model served by an OpenAI-compatible upstream (vLLM, llama.cpp, …) that supports it.",
					type: 'invalid_request_error',
					param: 'response_format',
					code: 'unsupported_parameter'
				}
			}
		});
		for (const [param, value] of [['n', 3], ['logprobs', true], ['top_k', 40], ['repetition_penalty', 1.2], ['presence_penalty', 0.5], ['frequency_penalty', -1], ['max_tokens', 5]] as const)
			expect(await post('/chat/completions', { model: 'm', messages, [param]: value })).toMatchObject({ status: 400, body: { error: { param, code: 'unsupported_parameter', message: expect.stringContaining(`'${param}' (${value})`) } } });
		const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
		expect(await post('/chat/completions', { model: 'm', messages, tools })).toMatchObject({ status: 400, body: { error: { param: 'tools' } } });
		expect(await post('/completions', { model: 'm', prompt: 'x', echo: true })).toMatchObject({ status: 400, body: { error: { param: 'echo' } } });
		expect(await post('/completions', { model: 'm', prompt: 'x', logprobs: 0 })).toMatchObject({ status: 400, body: { error: { param: 'logprobs' } } });
		expect(await post('/embeddings', { model: 'm', input: 'x', dimensions: 8 })).toMatchObject({ status: 400, body: { error: { param: 'dimensions' } } });
		expect(seen.chat.length + seen.complete.length + seen.embed.length).toBe(0);
	});

	it('are refused when the backend does not even know them; the model is checked first', async () => {
		const { post } = await local();
		expect(await post('/chat/completions', { model: 'm', messages, min_p: 0.1 })).toMatchObject({
			status: 400,
			body: { error: { param: 'min_p', code: 'unsupported_parameter', message: expect.stringMatching(/^The onnx backend does not know the parameter 'min_p'\. Remove it/) } }
		});
		expect(await post('/chat/completions', { model: 'other', messages, min_p: 0.1 })).toMatchObject({ status: 404, body: { error: { code: 'model_not_found' } } });
	});

	it('pass when their value asks for nothing, or null; basics and bookkeeping always pass', async () => {
		const { seen, post } = await local();
		const neutral = {
			n: 1,
			logprobs: false,
			top_k: -1,
			repetition_penalty: 1,
			presence_penalty: 0,
			frequency_penalty: 0,
			tools: [],
			tool_choice: 'none',
			parallel_tool_calls: false,
			response_format: { type: 'text' },
			logit_bias: {},
			min_p: null,
			user: 'u',
			store: false,
			metadata: { session: 's' },
			stream: false
		};
		expect(await post('/chat/completions', { model: 'm', messages, ...neutral })).toMatchObject({ status: 200 });
		expect((await post('/completions', { model: 'm', prompt: 'x', echo: false, logprobs: null, best_of: 1, suffix: '' })).status).toBe(200);
		expect((await post('/embeddings', { model: 'm', input: 'x', encoding_format: 'float' })).status).toBe(200);
		expect(seen.chat).toHaveLength(1);
	});

	it('are handed to the backend once it declares them', async () => {
		const { seen, post } = await local({ chat: new Set(['n', 'max_completion_tokens', 'response_format']), completions: new Set(['echo']), embeddings: new Set(['dimensions']) });
		expect((await post('/chat/completions', { model: 'm', messages, n: 2, response_format: { type: 'json_object' }, max_completion_tokens: 7 })).status).toBe(200);
		// OpenAI's newer max_completion_tokens reaches a local backend as the max_tokens it reads.
		expect(seen.chat[0]).toMatchObject({ n: 2, response_format: { type: 'json_object' }, max_tokens: 7 });
		expect((await post('/completions', { model: 'm', prompt: 'x', echo: true })).status).toBe(200);
		expect((await post('/embeddings', { model: 'm', input: 'x', dimensions: 8 })).status).toBe(200);
	});
});

describe('a relaying backend', () => {
	const sse = (events: string[]) => events.map((e) => `data: ${e}\n\n`).join('');

	async function relaying(answer: (endpoint: string, body: unknown) => Response | Promise<Response>) {
		const seen: { endpoint: string; body: unknown }[] = [];
		const relay: Backend['relay'] = async (endpoint, body) => {
			seen.push({ endpoint, body });
			return answer(endpoint, body);
		};
		const app = await startApp({ kind: 'openai', relay });
		apps.push(app);
		return { app, seen };
	}

	it('gets the client’s body unchanged, however unusual, and answers with the upstream’s bytes and status', async () => {
		const reply = { id: 'r', object: 'chat.completion', created: 1, model: 'm', choices: [], custom: { kept: true } };
		const { app, seen } = await relaying(() => Response.json(reply, { status: 200 }));
		const body = { model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }], min_p: 0.1, n: 4 };
		const res = await fetch(app.url + '/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		expect(await res.json()).toEqual(reply);
		expect(seen).toEqual([{ endpoint: 'chat', body }]);
		expect(app.queue.length).toBe(0);
		// Still validated: a malformed request never reaches the upstream.
		expect((await fetch(app.url + '/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m"}' })).status).toBe(400);
		expect(seen).toHaveLength(1);
	});

	it('holds the queue slot until the upstream’s stream is sent, and ends a broken one with an error event', async () => {
		let push!: ReadableStreamDefaultController<Uint8Array>;
		const { app } = await relaying(
			() =>
				new Response(new ReadableStream<Uint8Array>({ start: (c) => void (push = c) }), { headers: { 'content-type': 'text/event-stream' } })
		);
		const res = await fetch(app.url + '/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages, stream: true }) });
		push.enqueue(new TextEncoder().encode(sse(['{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}'])));
		const reader = res.body!.getReader();
		let text = new TextDecoder().decode((await reader.read()).value);
		expect(text).toContain('"Hi"');
		expect(app.queue.running).toBe(1);
		push.error(new Error('socket hang up'));
		for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
		expect(text).toMatch(/data: \{"error":\{"message":"The upstream server stopped in the middle of the answer\. Try again\.","type":"server_error","param":null,"code":"network"\}\}\n\ndata: \[DONE\]\n\n$/);
		await until(() => app.queue.length === 0, 2000);
		expect(app.logs).toEqual(['POST /v1/chat/completions: the upstream server broke off mid-answer (socket hang up)']);
	});

	it('releases the slot and stops reading the upstream when the client leaves mid-stream', async () => {
		let cancelled = false;
		const { app } = await relaying(
			() =>
				new Response(
					new ReadableStream<Uint8Array>({
						start: (c) => c.enqueue(new TextEncoder().encode(sse(['{"choices":[]}']))),
						cancel: () => void (cancelled = true)
					}),
					{ headers: { 'content-type': 'text/event-stream' } }
				)
		);
		const controller = new AbortController();
		const res = await fetch(app.url + '/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages, stream: true }), signal: controller.signal });
		await res.body!.getReader().read();
		controller.abort();
		await until(() => cancelled && app.queue.length === 0, 2000);
	});
});
