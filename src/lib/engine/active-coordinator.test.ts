// Which coordinator the app uses, over real loopback HTTP: Settings' URL first; else the page's own server
// when it answers /api/info as a Lumen coordinator and Settings allow it; a static host (which answers
// every path with its index.html) or an unreachable origin means browser-only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_INFO } from '$lib/protocol/server-info';
import { activeCoordinator, probePageServer } from './active-coordinator';

const servers: Server[] = [];
let coordinatorOrigin: string;
let staticOrigin: string;
let requests = 0;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
	const server = createServer(handler);
	servers.push(server);
	await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
	coordinatorOrigin = await listen((req, res) => {
		requests++;
		if (req.url === '/api/info') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(SERVER_INFO));
		else res.writeHead(404).end();
	});
	// A static host with an SPA fallback: 200 and the app's HTML for any path.
	staticOrigin = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Lumen</title>'));
});
afterAll(() => servers.forEach((s) => s.close()));

const defaults = { usePageServer: true };

describe('activeCoordinator', () => {
	it('uses the page’s own server when it is a Lumen coordinator, with the key from Settings', async () => {
		expect(await activeCoordinator({ ...defaults, apiKey: 'sk-1' }, coordinatorOrigin)).toEqual({ url: `${coordinatorOrigin}/v1`, apiKey: 'sk-1', source: 'page' });
	});

	it('asks the page’s server once per page load', async () => {
		const before = requests;
		const origin = coordinatorOrigin.replace('127.0.0.1', 'localhost');
		await Promise.all([probePageServer(origin), probePageServer(origin), activeCoordinator(defaults, origin)]);
		expect(requests - before).toBe(1);
	});

	it('prefers the coordinator set in Settings', async () => {
		expect(await activeCoordinator({ ...defaults, coordinatorUrl: 'http://gpu.box:8000' }, coordinatorOrigin)).toEqual({
			url: 'http://gpu.box:8000',
			apiKey: undefined,
			source: 'settings'
		});
	});

	it('stays browser-only when Settings turn the page’s server off', async () => {
		expect(await activeCoordinator({ usePageServer: false }, coordinatorOrigin)).toBeNull();
	});

	it('stays browser-only on a static host and on an origin that does not answer (offline)', async () => {
		expect(await activeCoordinator(defaults, staticOrigin)).toBeNull();
		expect(await activeCoordinator(defaults, 'http://127.0.0.1:9')).toBeNull();
		expect(await activeCoordinator(defaults, undefined)).toBeNull();
	});
});
