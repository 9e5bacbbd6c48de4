// The coordinator with the real native worker (workers/native, ONNX backend, the tiny test model)
// as a separate process: registration, streamed and plain chat, usage in the request log.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from './server';
import { startCoordinatorWithOnnxWorker, until, type CoordinatorWithOnnxWorker } from './testing/processes';
import { ensureModels } from '../scripts/model-builder/test-support';

const MODEL = 'lumen-tiny-a';

let coordinator: RunningCoordinator;
let served: CoordinatorWithOnnxWorker;
let client: OpenAI;

describe('with the native ONNX worker', () => {
	beforeAll(async () => {
		ensureModels();
		served = await startCoordinatorWithOnnxWorker(MODEL, ['--backend', 'onnx']);
		({ coordinator, client } = served);
	}, 120_000);

	afterAll(async () => {
		await served?.stop();
	});

	it('streams a chat completion from the real model through the coordinator', async () => {
		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: [{ role: 'user', content: 'Hello!' }],
			max_tokens: 8,
			temperature: 0,
			stream: true
		});
		let text = '';
		let finish: string | null = null;
		for await (const chunk of stream) {
			text += chunk.choices[0]?.delta.content ?? '';
			finish = chunk.choices[0]?.finish_reason ?? finish;
		}
		expect(text.length).toBeGreaterThan(0);
		expect(['length', 'stop']).toContain(finish);
		await until(() => coordinator.requestLog.recent(1)[0]?.stream === true, 2_000, 'the log row');
		const [row] = coordinator.requestLog.recent(1);
		expect(row).toMatchObject({ model: MODEL, status: 200, error_code: null });
		// The worker sends usage because the coordinator asks for it, though this client did not.
		expect(row.completion_tokens).toBeGreaterThan(0);
		expect(row.prompt_tokens).toBeGreaterThan(0);
	});

	it('answers the same greedy completion streamed and not', async () => {
		const ask = { model: MODEL, messages: [{ role: 'user' as const, content: 'Tell me a story.' }], max_tokens: 6, temperature: 0 };
		const plain = await client.chat.completions.create(ask);
		const stream = await client.chat.completions.create({ ...ask, stream: true });
		let streamed = '';
		for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
		expect(plain.choices[0].message.content).toBe(streamed);
	});
});
