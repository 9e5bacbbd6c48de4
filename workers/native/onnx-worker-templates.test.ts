// Chat templates and tools through real onnx worker processes and the official openai client: a model
// without a chat_template chats through its matched template, --chat-template and --system-message shape
// the prompt exactly, tools reach a template with tool support, and a template without it answers a 400.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemplate, renderPrompt, type TemplateTool } from '#templates/chat-templates';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { spawnWorker, type SpawnedWorker } from './test-support';

// lumen-tiny-* tokenizers spell BOS and EOS <|endoftext|> and <|im_end|>.
const TINY_TOKENS = { bosToken: '<|endoftext|>', eosToken: '<|im_end|>' };
const weather: TemplateTool = {
	type: 'function',
	function: { name: 'get_weather', description: 'Weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }
};

let vicuna: SpawnedWorker;
let chatml: SpawnedWorker;

beforeAll(async () => {
	ensureModels();
	[vicuna, chatml] = await Promise.all([
		spawnWorker(['--model', 'lumen-tiny-vicuna', '--threads', '1', '--speed', '5']),
		spawnWorker(['--model', 'lumen-tiny-a', '--threads', '1', '--speed', '5', '--chat-template', 'chatml', '--system-message', 'Be brief.'])
	]);
});
afterAll(async () => {
	await vicuna?.kill();
	await chatml?.kill();
});

const client = (worker: SpawnedWorker) => new OpenAI({ baseURL: worker.url, apiKey: 'unused', maxRetries: 0 });

/** The worker's own token count of a raw text (no template): what the rendered prompt must take. */
async function tokensOf(worker: SpawnedWorker, model: string, prompt: string): Promise<number> {
	const res = await fetch(worker.url + '/count_tokens', { method: 'POST', body: JSON.stringify({ model, prompt }), headers: { 'Content-Type': 'application/json' } });
	return ((await res.json()) as { count: number }).count;
}

describe('a worker serving a model without a chat_template', () => {
	it('chats through the template its id matches, and says so in its log', async () => {
		const answer = await client(vicuna).chat.completions.create({
			model: 'lumen-tiny-vicuna',
			messages: [{ role: 'user', content: 'Tell me about the sea.' }],
			temperature: 0,
			max_tokens: 8
		});
		const expected = `<|endoftext|>${findTemplate('vicuna').defaultSystem} USER: Tell me about the sea. ASSISTANT:`;
		expect(renderPrompt('vicuna', [{ role: 'user', content: 'Tell me about the sea.' }], TINY_TOKENS)).toBe(expected);
		expect(answer.usage?.prompt_tokens).toBe(await tokensOf(vicuna, 'lumen-tiny-vicuna', expected));
		expect(answer.choices[0].message.content?.length).toBeGreaterThan(0);
		expect(vicuna.stderr()).toContain('chats are formatted with the "vicuna" chat template');
	});

	it('answers tools with a 400 that names the parameter and the templates that take tools', async () => {
		const err = await client(vicuna)
			.chat.completions.create({ model: 'lumen-tiny-vicuna', messages: [{ role: 'user', content: 'Weather?' }], tools: [weather] })
			.catch((e: unknown) => e);
		expect(err).toBeInstanceOf(OpenAI.BadRequestError);
		const e = err as InstanceType<typeof OpenAI.BadRequestError>;
		expect(e.param).toBe('tools');
		expect(e.message).toMatch(/"vicuna" chat template, which has no tool support.*chatml, qwen.*--chat-template/);
	});
});

describe('a worker started with --chat-template chatml --system-message', () => {
	const messages: OpenAI.ChatCompletionMessageParam[] = [
		{ role: 'system', content: 'Ignore this.' },
		{ role: 'user', content: 'Weather in Paris?' }
	];

	it('renders the tools into the prompt (the system message replaced), streaming the answer', async () => {
		const stream = await client(chatml).chat.completions.create({
			model: 'lumen-tiny-a',
			messages,
			tools: [weather],
			temperature: 0,
			max_tokens: 6,
			stream: true,
			stream_options: { include_usage: true }
		});
		let usage: OpenAI.CompletionUsage | undefined;
		let finish: string | null = null;
		for await (const chunk of stream) {
			if (chunk.usage) usage = chunk.usage;
			finish = chunk.choices[0]?.finish_reason ?? finish;
		}
		const rendered = renderPrompt('chatml', [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }], { tools: [weather] });
		expect(rendered).toContain('"parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}');
		expect(usage?.prompt_tokens).toBe(await tokensOf(chatml, 'lumen-tiny-a', rendered));
		expect(usage?.prompt_tokens).toBeGreaterThan(await tokensOf(chatml, 'lumen-tiny-a', renderPrompt('chatml', [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }])));
		expect(['stop', 'length']).toContain(finish);
	});

	it('continues a conversation with an assistant tool call and a tool result', async () => {
		const turn: OpenAI.ChatCompletionMessageParam[] = [
			...messages,
			{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
			{ role: 'tool', tool_call_id: 'call_1', content: '{"sky": "clear"}' }
		];
		const answer = await client(chatml).chat.completions.create({ model: 'lumen-tiny-a', messages: turn, tools: [weather], temperature: 0, max_tokens: 4 });
		const rendered = renderPrompt(
			'chatml',
			[
				{ role: 'system', content: 'Be brief.' },
				{ role: 'user', content: 'Weather in Paris?' },
				{ role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
				{ role: 'tool', content: '{"sky": "clear"}', tool_call_id: 'call_1' }
			],
			{ tools: [weather] }
		);
		expect(rendered).toContain('<tool_response>\n{"sky": "clear"}\n</tool_response>');
		expect(answer.usage?.prompt_tokens).toBe(await tokensOf(chatml, 'lumen-tiny-a', rendered));
	});
});

describe('a worker started with an unknown --chat-template', () => {
	it('exits at once, listing the template names', async () => {
		const started = Date.now();
		const failed = await spawnWorker(['--model', 'lumen-tiny-a', '--chat-template', 'llama-9']).catch((e: Error) => e);
		expect(failed).toBeInstanceOf(Error);
		expect((failed as Error).message).toMatch(/--chat-template: Unknown chat template "llama-9"\. Use one of: vicuna, alpaca, chatml/);
		expect(Date.now() - started).toBeLessThan(20_000);
	});
});
