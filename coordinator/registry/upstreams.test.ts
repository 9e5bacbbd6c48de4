// Static upstream discovery against a real HTTP server speaking vLLM's and others' /v1/models dialects.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from './registry';
import { createUpstreamDiscovery } from './upstreams';

let server: Server;
let root = '';
let seen: string[] = [];

beforeAll(async () => {
	server = createServer((req, res) => {
		seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
		if (req.url !== '/v1/models') return void res.writeHead(404).end('Not Found');
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(
			JSON.stringify({
				object: 'list',
				data: [
					{ id: 'qwen', object: 'model', owned_by: 'vllm', max_model_len: 32768, root: 'Qwen/Qwen2.5-7B' },
					{ id: 'llama', object: 'model', context_length: 8192 },
					{ id: 'phi', context_window: 4096 },
					{ id: 'bare' }
				]
			})
		);
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('upstream discovery', () => {
	it.each([['a root URL', ''], ['an OpenAI /v1 URL', '/v1']])('from %s: registers the /v1 base and each model’s context length', async (_, suffix) => {
		seen = [];
		const registry = createRegistry({ expiryMs: 1_000, failureCooldownMs: 1_000 });
		const discovery = createUpstreamDiscovery({ upstreams: [{ url: root + suffix, api_key: 'up', name: 'gpu' }], registry, intervalMs: 60_000, log: () => undefined });
		await discovery.discoverAll();
		expect(seen).toEqual(['GET /v1/models Bearer up']);
		const [entry] = registry.list();
		expect(entry).toMatchObject({ worker_id: 'upstream:gpu', url: `${root}/v1`, kind: 'upstream', healthy: true });
		expect(entry.models.map((m) => [m.id, m.context_length])).toEqual([
			['qwen', 32768],
			['llama', 8192],
			['phi', 4096],
			['bare', undefined]
		]);
	});

	it('marks an upstream that answers 404 unhealthy and says why', async () => {
		const lines: string[] = [];
		const registry = createRegistry({ expiryMs: 1_000, failureCooldownMs: 1_000 });
		const discovery = createUpstreamDiscovery({ upstreams: [{ url: `${root}/wrong/v1` }], registry, intervalMs: 60_000, log: (l) => lines.push(l) });
		await discovery.discoverAll();
		expect(registry.modelIds()).toEqual([]);
		expect(lines.join('\n')).toMatch(/unreachable: .*HTTP 404.*\/v1\/models/);
	});
});
