// Test helper: the worker's HTTP app around a scripted backend, served on a real loopback socket.
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { Backend } from './backend';
import { createWorkerApp } from './http-app';
import { RequestQueue } from './request-queue';

export type StartedApp = { url: string; queue: RequestQueue; logs: string[]; client: OpenAI; server: Server };

/** A backend serving model `m` (context 100, chat, completions and embeddings) with `overrides` on top. */
export async function startApp(overrides: Partial<Backend>, opts: { draining?: boolean } = {}): Promise<StartedApp> {
	const backend: Backend = {
		kind: 'onnx',
		models: [{ id: 'm', context_length: 100, capabilities: ['chat', 'completions', 'embeddings'] }],
		speed: 1,
		defaultConcurrency: 1,
		chat: () => {
			throw new Error('not scripted');
		},
		complete: () => {
			throw new Error('not scripted');
		},
		close: async () => undefined,
		...overrides
	};
	const queue = new RequestQueue(1);
	const logs: string[] = [];
	const app = createWorkerApp({ backend, queue, isDraining: () => opts.draining ?? false, log: (line) => logs.push(line) });
	const server = await new Promise<Server>((resolve) => {
		const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
	});
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
	return { url, queue, logs, server, client: new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 }) };
}

export async function stopApp(app: StartedApp): Promise<void> {
	app.server.closeAllConnections();
	await new Promise((r) => app.server.close(r));
}
