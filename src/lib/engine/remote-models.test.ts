// Which models a real OpenAI-compatible server (node:http on an ephemeral port) says can see images, in the
// dialects servers use, through RemoteEngine.listModels.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteEngine } from './remote-engine';

let server: Server;
let base = '';

beforeAll(async () => {
	server = createServer((req, res) => {
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(
			JSON.stringify({
				object: 'list',
				data: [
					{ id: 'lumen-vision', object: 'model', capabilities: ['chat', 'vision'], context_length: 8192 },
					{ id: 'router-vision', object: 'model', architecture: { input_modalities: ['text', 'image'] } },
					{ id: 'flat-vision', object: 'model', input_modalities: ['image', 'text'] },
					{ id: 'lumen-text', object: 'model', capabilities: ['chat', 'completions'] },
					{ id: 'vllm-plain', object: 'model', max_model_len: 4096 },
					{ id: 'odd-metadata', object: 'model', capabilities: 'vision', architecture: 7 }
				]
			})
		);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('RemoteEngine.listModels', () => {
	it('reads vision from capabilities or input modalities, keeps context windows, and reads odd metadata as text-only', async () => {
		expect(await new RemoteEngine({ url: base }).listModels()).toEqual([
			{ id: 'lumen-vision', context_length: 8192, vision: true },
			{ id: 'router-vision', vision: true },
			{ id: 'flat-vision', vision: true },
			{ id: 'lumen-text', vision: false },
			{ id: 'vllm-plain', context_length: 4096, vision: false },
			{ id: 'odd-metadata', vision: false }
		]);
	});
});
