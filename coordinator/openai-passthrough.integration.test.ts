// Acceptance of the OpenAI pass-through, all real processes: `lumen serve` (with its onnx worker), a fake
// upstream configured through LUMEN_UPSTREAMS and another behind `lumen worker --backend openai`, each a
// node:http server that records what it receives. The official openai client drives it all: tools,
// tool_choice, response_format, logprobs, image parts and unknown fields reach the upstream unchanged, its
// tool_calls, logprobs and errors come back; the onnx worker refuses what it cannot honour by name.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../scripts/model-builder/test-support';
import { FAIL_OLLAMA, FAIL_OPENAI, FAKE_LOGPROBS, FAKE_TOOL_ARGUMENTS, startFakeUpstream, type FakeUpstream } from './testing/fake-upstream';
import { spawnLumen, until, type LumenProcess } from './testing/processes';

/** A 1×1 PNG, as the chat page sends an attached image. */
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const WEATHER_TOOL = {
	type: 'function' as const,
	function: {
		name: 'get_weather',
		description: 'The weather in a city.',
		parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
		strict: true
	}
};
const TOOL_CALL = { id: 'call_fake_1', type: 'function', function: { name: 'get_weather', arguments: FAKE_TOOL_ARGUMENTS } };

const dataDir = mkdtempSync(join(tmpdir(), 'lumen-passthrough-'));
let upstream: FakeUpstream;
let fronted: FakeUpstream;
let serve: LumenProcess;
let worker: LumenProcess;
let client: OpenAI;

beforeAll(async () => {
	ensureModels();
	upstream = await startFakeUpstream({
		models: [{ id: 'up-tools' }, { id: 'up-marked' }, { id: 'up-vl', architecture: { input_modalities: ['text', 'image'] } }, { id: 'up-llamacpp' }],
		// llama.cpp lists its models a second time, with capabilities.
		listExtras: { models: [{ name: 'up-llamacpp', model: 'up-llamacpp', capabilities: ['completion', 'multimodal'] }] }
	});
	fronted = await startFakeUpstream({ models: [{ id: 'wk-tools' }] });
	serve = await spawnLumen(['serve', '--port', '0', '--threads', '1'], {
		LUMEN_DB: join(dataDir, 'lumen.db'),
		LUMEN_WORKER_SECRET: '',
		PORT: '',
		LUMEN_UPSTREAMS: JSON.stringify([{ url: upstream.url, vision_models: ['up-marked'] }])
	});
	// The secret `lumen serve` made for its workers, where it told the operator to find it.
	const secret = readFileSync(join(dataDir, 'worker-secret'), 'utf8').trim();
	worker = await spawnLumen(['worker', '--backend', 'openai', '--upstream', fronted.url, '--coordinator', serve.url, '--vision'], { LUMEN_WORKER_SECRET: secret });
	client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'unused', maxRetries: 0 });
	await until(async () => (await client.models.list()).data.some((m) => m.id === 'wk-tools'), 15_000, 'the openai worker to register');
}, 120_000);

afterAll(async () => {
	await worker?.stop();
	await serve?.stop();
	await upstream?.close();
	await fronted?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

const routes = [
	{ through: 'a static upstream (LUMEN_UPSTREAMS)', model: 'up-tools', fake: () => upstream },
	{ through: 'a lumen worker --backend openai', model: 'wk-tools', fake: () => fronted }
];

describe.each(routes)('through $through', ({ model, fake }) => {
	const lastChat = () => fake().last('/v1/chat/completions');

	it('relays tools, tool_choice, response_format, logprobs, image parts and unknown fields unchanged, and the answer’s tool_calls and logprobs back', async () => {
		const params = {
			model,
			messages: [
				{ role: 'developer', content: 'Answer with tools.' },
				{ role: 'user', content: [{ type: 'text', text: 'Where is this, and what is the weather there?' }, { type: 'image_url', image_url: { url: PNG, detail: 'low' } }] }
			],
			tools: [WEATHER_TOOL],
			tool_choice: { type: 'function', function: { name: 'get_weather' } },
			parallel_tool_calls: false,
			response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
			logprobs: true,
			top_logprobs: 2,
			n: 2,
			seed: 7,
			top_k: 20,
			repetition_penalty: 1.1,
			presence_penalty: 0.5,
			max_completion_tokens: 64,
			// vLLM's own fields, unknown to OpenAI: kept for the upstream.
			min_p: 0.05,
			chat_template_kwargs: { enable_thinking: false }
		};
		const answer = await client.chat.completions.create(params as unknown as ChatCompletionCreateParamsNonStreaming);
		expect(lastChat()).toEqual(params);
		expect(answer.choices).toHaveLength(2);
		for (const choice of answer.choices) {
			expect(choice.message.tool_calls).toEqual([TOOL_CALL]);
			expect(choice.logprobs).toEqual(FAKE_LOGPROBS);
			expect(choice.finish_reason).toBe('tool_calls');
		}
	});

	it('streams the upstream’s tool call as deltas the client assembles, ending with finish_reason "tool_calls"', async () => {
		const params = { model, messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }], tools: [WEATHER_TOOL], tool_choice: 'auto' as const, stream: true as const };
		const stream = client.chat.completions.stream(params);
		const deltas: NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[] = [];
		stream.on('chunk', (chunk) => {
			const calls = chunk.choices[0]?.delta.tool_calls;
			if (calls) deltas.push(calls);
		});
		const final = await stream.finalChatCompletion();
		expect(deltas.length).toBe(3);
		expect(final.choices[0].finish_reason).toBe('tool_calls');
		// The client parses the arguments of a strict tool itself.
		expect(final.choices[0].message.tool_calls).toEqual([{ ...TOOL_CALL, function: { ...TOOL_CALL.function, parsed_arguments: { city: 'Paris', unit: 'celsius' } } }]);
		// The coordinator asks every stream for usage (for its log) and drops the usage chunk again.
		expect(lastChat()).toEqual({ ...params, stream_options: { include_usage: true } });
	});

	it('accepts the follow-up turn with the assistant’s tool_calls and the role "tool" result, streamed and not', async () => {
		const messages = [
			{ role: 'user', content: 'What is the weather in Paris?' },
			{ role: 'assistant', content: null, tool_calls: [TOOL_CALL] },
			{ role: 'tool', tool_call_id: 'call_fake_1', content: '{"temperature":21}' }
		];
		const params = { model, messages, tools: [WEATHER_TOOL] } as unknown as ChatCompletionCreateParamsNonStreaming;
		const answer = await client.chat.completions.create(params);
		expect(lastChat()).toEqual(params);
		expect(answer.choices[0].message.content).toBe('The tool said "{\\"temperature\\":21}".');
		let text = '';
		for await (const chunk of await client.chat.completions.create({ ...params, stream: true } as ChatCompletionCreateParamsStreaming)) text += chunk.choices[0]?.delta.content ?? '';
		expect(text).toBe(answer.choices[0].message.content);
		expect(lastChat()).toEqual({ ...params, stream: true, stream_options: { include_usage: true } });
	});

	it('returns the upstream’s refusal OpenAI-shaped with its message, param and code', async () => {
		const refused = client.chat.completions.create({
			model,
			messages: [{ role: 'user', content: FAIL_OPENAI }],
			response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } }
		});
		await expect(refused).rejects.toMatchObject({
			status: 400,
			message: expect.stringContaining("cannot follow a 'json_schema' response_format"),
			type: 'invalid_request_error',
			param: 'response_format',
			code: 'unsupported_parameter'
		});
		// Ollama's dialect (a bare string error) arrives in OpenAI's shape, its message kept.
		await expect(client.chat.completions.create({ model, messages: [{ role: 'user', content: FAIL_OLLAMA }] })).rejects.toMatchObject({
			status: 404,
			error: { message: expect.stringContaining('try pulling it first'), type: 'invalid_request_error' }
		});
	});

	it('relays embeddings requests unchanged (dimensions, encoding_format, batched input), in float and base64', async () => {
		const params = { model, input: ['a', 'four'], dimensions: 3, encoding_format: 'float' as const, user: 'u-1' };
		const floats = await client.embeddings.create(params);
		expect(fake().last('/v1/embeddings')).toEqual(params);
		expect(floats.data.map((d) => d.embedding)).toEqual([
			[1, 0.25, -1],
			[4, 0.25, -1]
		]);
		// The client asks for base64 by default and decodes it.
		const decoded = await client.embeddings.create({ model, input: 'four', dimensions: 3 });
		expect(fake().last('/v1/embeddings')).toEqual({ model, input: 'four', dimensions: 3, encoding_format: 'base64' });
		expect(Array.from(decoded.data[0].embedding)).toEqual([4, 0.25, -1]);
	});

	it('relays text completions with echo and logprobs unchanged', async () => {
		const params = { model, prompt: 'Once upon a time', echo: true, logprobs: 1, max_tokens: 5, best_of: 1 };
		const answer = await client.completions.create(params);
		expect(fake().last('/v1/completions')).toEqual(params);
		expect(answer.choices[0].text).toBe('Once upon a time and so on');
		expect(answer.choices[0].logprobs).toMatchObject({ tokens: [' and'] });
	});
});

describe('model capabilities', () => {
	it('marks models vision-capable on /v1/models from LUMEN_UPSTREAMS, the worker’s --vision and the upstream’s own metadata', async () => {
		const body = (await (await fetch(`${serve.url}/v1/models`)).json()) as { data: { id: string; capabilities: string[] }[] };
		const capabilities = Object.fromEntries(body.data.map((m) => [m.id, m.capabilities]));
		const relayed = ['chat', 'completions', 'embeddings'];
		expect(capabilities).toEqual({
			'lumen-tiny-a': ['chat', 'completions', 'embeddings'],
			'up-tools': relayed,
			'up-marked': [...relayed, 'vision'],
			'up-vl': [...relayed, 'vision'],
			'up-llamacpp': [...relayed, 'vision'],
			'wk-tools': [...relayed, 'vision']
		});
		// The worker says so on its own /v1/models too (the chat page may point at one worker directly).
		const own = (await (await fetch(`${worker.url}/models`)).json()) as { data: { id: string; capabilities: string[] }[] };
		expect(own.data).toEqual([expect.objectContaining({ id: 'wk-tools', capabilities: [...relayed, 'vision'] })]);
	});
});

describe('the onnx worker (lumen-tiny-a) through the coordinator', () => {
	const messages = [{ role: 'user' as const, content: 'Say something.' }];

	it('refuses a parameter it cannot honour with a 400 naming it, and a field it does not know', async () => {
		await expect(client.chat.completions.create({ model: 'lumen-tiny-a', messages, response_format: { type: 'json_object' } })).rejects.toMatchObject({
			status: 400,
			message: expect.stringMatching(/onnx backend cannot honour 'response_format' \(json_object\)/),
			type: 'invalid_request_error',
			param: 'response_format',
			code: 'unsupported_parameter'
		});
		const unknown = { model: 'lumen-tiny-a', messages, min_p: 0.1 } as unknown as ChatCompletionCreateParamsNonStreaming;
		await expect(client.chat.completions.create(unknown)).rejects.toMatchObject({ status: 400, param: 'min_p', code: 'unsupported_parameter' });
		// The same request with neutral values is served.
		const plain = await client.chat.completions.create({ model: 'lumen-tiny-a', messages, max_tokens: 2, response_format: { type: 'text' }, tool_choice: 'none' });
		expect(plain.choices[0].finish_reason).toMatch(/stop|length/);
	});

	it('refuses an image part, saying to pick a vision-capable model', async () => {
		const withImage = client.chat.completions.create({
			model: 'lumen-tiny-a',
			messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: PNG } }] }]
		});
		await expect(withImage).rejects.toMatchObject({ status: 400, message: expect.stringContaining('messages[0].content[1] is a image_url part. Pick a model marked as vision-capable') });
	});

	it('honours max_completion_tokens, OpenAI’s newer name for max_tokens', async () => {
		const answer = await client.chat.completions.create({ model: 'lumen-tiny-a', messages, temperature: 0, max_completion_tokens: 3 });
		expect(answer.usage?.completion_tokens).toBeLessThanOrEqual(3);
		const same = await client.chat.completions.create({ model: 'lumen-tiny-a', messages, temperature: 0, max_tokens: 3 });
		expect(answer.choices[0].message.content).toBe(same.choices[0].message.content);
	});
});
