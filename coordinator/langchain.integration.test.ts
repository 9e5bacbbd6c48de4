// LangChain JS against `lumen serve`, real processes: ChatOpenAI streaming with a bound tool assembles the
// tool call a (fake, scripted) upstream model makes and carries the tool's result into the next turn, and
// OpenAIEmbeddings embeds documents and a query through the coordinator's /v1/embeddings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIMessageChunk, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './testing/fake-upstream';
import { spawnLumen, type LumenProcess } from './testing/processes';

const WEATHER_TOOL = {
	type: 'function' as const,
	function: {
		name: 'get_weather',
		description: 'The weather in a city.',
		parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] }
	}
};

const dataDir = mkdtempSync(join(tmpdir(), 'lumen-langchain-'));
let upstream: FakeUpstream;
let serve: LumenProcess;
let baseURL: string;

beforeAll(async () => {
	upstream = await startFakeUpstream({ models: [{ id: 'agent-model' }] });
	serve = await spawnLumen(['serve', '--port', '0', '--no-worker'], {
		LUMEN_DB: join(dataDir, 'lumen.db'),
		LUMEN_WORKER_SECRET: '',
		PORT: '',
		LUMEN_UPSTREAMS: JSON.stringify([{ url: upstream.url }])
	});
	baseURL = `${serve.url}/v1`;
});

afterAll(async () => {
	await serve?.stop();
	await upstream?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

describe('LangChain JS against lumen serve', () => {
	it('ChatOpenAI streams a bound tool’s call, assembled with parsed arguments, and answers from the tool’s result', async () => {
		const model = new ChatOpenAI({ model: 'agent-model', apiKey: 'unused', streaming: true, maxRetries: 0, configuration: { baseURL } }).bindTools([WEATHER_TOOL]);
		const question = new HumanMessage('What is the weather in Paris?');
		let call: AIMessageChunk | undefined;
		let chunks = 0;
		for await (const chunk of await model.stream([question])) {
			call = call ? call.concat(chunk) : chunk;
			chunks++;
		}
		expect(chunks).toBeGreaterThan(2);
		expect(call!.tool_calls).toEqual([{ name: 'get_weather', args: { city: 'Paris', unit: 'celsius' }, id: 'call_fake_1', type: 'tool_call' }]);
		expect(call!.response_metadata.finish_reason).toBe('tool_calls');
		expect(upstream.last('/v1/chat/completions')).toMatchObject({ model: 'agent-model', stream: true, tools: [{ type: 'function', function: { name: 'get_weather' } }] });

		const result = new ToolMessage({ tool_call_id: 'call_fake_1', content: '{"temperature":21}' });
		// Streamed too: LangChain's streaming invoke() estimates token counts with tiktoken, whose encodings it
		// downloads from the internet, which this test must not need.
		let answer = '';
		for await (const chunk of await model.stream([question, call!, result])) answer += chunk.content;
		expect(answer).toBe('The tool said "{\\"temperature\\":21}".');
		expect(upstream.last('/v1/chat/completions')).toMatchObject({
			messages: [
				{ role: 'user', content: 'What is the weather in Paris?' },
				{ role: 'assistant', tool_calls: [{ id: 'call_fake_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }] },
				{ role: 'tool', tool_call_id: 'call_fake_1', content: '{"temperature":21}' }
			]
		});
	});

	it('OpenAIEmbeddings embeds documents in one batch and a query, through the coordinator', async () => {
		const embeddings = new OpenAIEmbeddings({ model: 'agent-model', apiKey: 'unused', maxRetries: 0, configuration: { baseURL } });
		const documents = await embeddings.embedDocuments(['a', 'four', 'a']);
		expect(documents.map((v) => Array.from(v))).toEqual([
			[1, 0.25, -1, 0.75],
			[4, 0.25, -1, 0.75],
			[1, 0.25, -1, 0.75]
		]);
		expect(upstream.last('/v1/embeddings')).toMatchObject({ model: 'agent-model', input: ['a', 'four', 'a'] });
		expect(Array.from(await embeddings.embedQuery('four'))).toEqual([4, 0.25, -1, 0.75]);
	});
});
