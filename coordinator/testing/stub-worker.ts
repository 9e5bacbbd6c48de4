// A stand-in worker for tests and the benchmark: an OpenAI-compatible server that streams fixed
// tokens at a fixed rate and registers/heartbeats with a coordinator using the real protocol.
// Run: tsx coordinator/testing/stub-worker.ts --port 0 [--coordinator URL --secret S] [--tokens 16 --interval-ms 20]
// First stdout line: "stub worker <id> listening on http://HOST:PORT/v1"; then "aborted <n>" when a client leaves early.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { RegisterResponseSchema, HeartbeatResponseSchema, type WorkerRegistrationInput } from '#protocol/coordinator';

export type FailureMode =
	| { kind: 'none' }
	| { kind: 'status'; status: number } // answer every generation request with this error status
	| { kind: 'status-first'; count: number; status: number } // fail the first `count` generation requests, then recover
	| { kind: 'stall-after'; tokens: number } // stop sending but keep the connection open
	| { kind: 'no-done' } // end the stream without `data: [DONE]`
	/** Refuse a generation whose prompt is longer than `chars`, like a worker past its context; `plain` sends text, not OpenAI JSON. */
	| { kind: 'reject-long'; chars: number; status: number; plain: boolean };

export type StubOptions = {
	port: number;
	host: string;
	models: string[];
	tokens: number;
	intervalMs: number;
	firstTokenMs: number;
	failure: FailureMode;
	embeddings: boolean;
	coordinator?: string;
	secret?: string;
	workerId?: string;
	speed: number;
	heartbeatMs?: number;
	/** When set, /v1/* requires `Authorization: Bearer <apiKey>` (like a hosted upstream). */
	apiKey?: string;
	log: (line: string) => void;
};

export function parseFailure(spec: string): FailureMode {
	const [kind, arg] = spec.split(':');
	if (kind === 'none') return { kind };
	if (kind === 'no-done') return { kind };
	if (kind === 'status') return { kind, status: Number(arg ?? 500) };
	if (kind === 'status-first') return { kind, count: Number(arg ?? 1), status: Number(spec.split(':')[2] ?? 500) };
	if (kind === 'stall-after') return { kind, tokens: Number(arg ?? 1) };
	if (kind === 'reject-long' || kind === 'reject-long-plain') {
		const [, status] = spec.split(':').slice(1);
		return { kind: 'reject-long', chars: Number(arg ?? 100), status: Number(status ?? 400), plain: kind === 'reject-long-plain' };
	}
	throw new Error(`Unknown failure mode ${spec}`);
}

type Stats = { requests: number; active: number; aborted: number; completed: number };

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const parts: Buffer[] = [];
		req.on('data', (d: Buffer) => parts.push(d));
		req.on('end', () => resolve(Buffer.concat(parts).toString()));
		req.on('error', reject);
	});
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
	res.end(text);
}

type GenRequest = {
	model?: string;
	stream?: boolean;
	max_tokens?: number;
	stream_options?: { include_usage?: boolean };
	messages?: { content?: string }[];
	prompt?: string | string[];
	input?: string | string[];
};

const promptOf = (body: GenRequest, chat: boolean) =>
	chat ? (body.messages ?? []).map((m) => m.content ?? '').join(' ') : String(body.prompt ?? '');

export async function startStubWorker(o: StubOptions) {
	const stats: Stats = { requests: 0, active: 0, aborted: 0, completed: 0 };
	let counter = 0;

	function generate(req: IncomingMessage, res: ServerResponse, body: GenRequest, chat: boolean) {
		const id = `${chat ? 'chatcmpl' : 'cmpl'}-stub-${++counter}`;
		const model = body.model ?? o.models[0];
		const n = Math.min(o.tokens, body.max_tokens ?? Infinity);
		const promptText = promptOf(body, chat);
		const usage = { prompt_tokens: promptText.split(/\s+/).filter(Boolean).length, completion_tokens: n, total_tokens: 0 };
		usage.total_tokens = usage.prompt_tokens + n;
		const created = Math.floor(Date.now() / 1000);
		const finish = n < o.tokens ? 'length' : 'stop';
		const head = chat
			? `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,`
			: `{"id":"${id}","object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,`;
		const piece = (i: number) => (chat ? `"delta":{${i === 0 ? '"role":"assistant",' : ''}"content":"tok${i} "}` : `"text":"tok${i} "`);
		const end = chat ? `"delta":{}` : `"text":""`;
		let sent = 0;
		let timer: NodeJS.Timeout | null = null;
		stats.active++;
		const done = () => {
			if (timer) clearTimeout(timer);
			timer = null;
			stats.active--;
		};
		res.on('close', () => {
			if (!res.writableFinished) {
				stats.aborted++;
				o.log(`aborted ${stats.aborted}`);
				done();
			}
		});

		if (!body.stream) {
			timer = setTimeout(() => {
				done();
				stats.completed++;
				const text = Array.from({ length: n }, (_, i) => `tok${i} `).join('');
				sendJson(res, 200, {
					id,
					object: chat ? 'chat.completion' : 'text_completion',
					created,
					model,
					choices: [chat ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: finish } : { index: 0, text, finish_reason: finish }],
					usage
				});
			}, o.firstTokenMs + Math.max(0, n - 1) * o.intervalMs);
			return;
		}

		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		res.flushHeaders();
		const step = () => {
			timer = null;
			const f = o.failure;
			if (f.kind === 'stall-after' && sent === f.tokens) return;
			if (sent < n) {
				res.write(`data: ${head}${piece(sent)},"finish_reason":null}]}\n\n`);
				sent++;
				timer = setTimeout(step, o.intervalMs);
				return;
			}
			let tail = `data: ${head}${end},"finish_reason":"${finish}"}]}\n\n`;
			if (body.stream_options?.include_usage) tail += `data: ${head.slice(0, head.indexOf('"choices"'))}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`;
			if (f.kind !== 'no-done') tail += 'data: [DONE]\n\n';
			done();
			stats.completed++;
			res.end(tail);
		};
		timer = setTimeout(step, o.firstTokenMs);
	}

	const server = createServer(async (req, res) => {
		const path = (req.url ?? '/').split('?')[0];
		if (o.apiKey && path.startsWith('/v1/') && req.headers.authorization !== `Bearer ${o.apiKey}`)
			return sendJson(res, 401, { error: { message: 'bad key', type: 'authentication_error', param: null, code: 'invalid_api_key' } });
		if (req.method === 'GET' && path === '/v1/models') {
			return sendJson(res, 200, { object: 'list', data: o.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'stub' })) });
		}
		if (req.method === 'GET' && path === '/stats') return sendJson(res, 200, stats);
		if (req.method !== 'POST') return sendJson(res, 404, { error: { message: 'not found', type: 'invalid_request_error', code: 'not_found' } });
		const text = await readBody(req);
		stats.requests++;
		let body: GenRequest;
		try {
			body = JSON.parse(text);
		} catch {
			return sendJson(res, 400, { error: { message: 'bad json', type: 'invalid_request_error', param: null, code: 'bad_request' } });
		}
		if (o.failure.kind === 'status-first' && o.failure.count > 0) {
			o.failure.count--;
			return sendJson(res, o.failure.status, { error: { message: 'stub failure', type: 'server_error', param: null, code: 'internal' } });
		}
		if (o.failure.kind === 'status')
			return sendJson(res, o.failure.status, { error: { message: 'stub failure', type: 'server_error', param: null, code: 'internal' } });
		if (body.model && !o.models.includes(body.model))
			return sendJson(res, 404, { error: { message: `no model ${body.model}`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
		if (o.failure.kind === 'reject-long' && promptOf(body, path === '/v1/chat/completions').length > o.failure.chars) {
			const { status, chars, plain } = o.failure;
			if (plain) {
				res.writeHead(status, { 'content-type': 'text/plain' });
				return res.end('prompt too long');
			}
			const message = `The prompt is longer than ${chars} characters.`;
			return sendJson(res, status, { error: { message, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } });
		}
		if (path === '/v1/chat/completions') return generate(req, res, body, true);
		if (path === '/v1/completions') return generate(req, res, body, false);
		if (path === '/v1/embeddings' && o.embeddings) {
			const inputs = Array.isArray(body.input) ? body.input : [String(body.input ?? '')];
			return sendJson(res, 200, {
				object: 'list',
				model: body.model,
				data: inputs.map((s, index) => ({ object: 'embedding', index, embedding: [s.length, 0.5, -0.5] })),
				usage: { prompt_tokens: inputs.length, total_tokens: inputs.length }
			});
		}
		return sendJson(res, 404, { error: { message: `no route ${path}`, type: 'invalid_request_error', param: null, code: 'not_found' } });
	});
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
	const port = (server.address() as AddressInfo).port;
	const url = `http://${o.host}:${port}/v1`;
	const workerId = o.workerId ?? `stub-${port}`;

	let beat: NodeJS.Timeout | null = null;
	const auth: Record<string, string> = o.secret ? { authorization: `Bearer ${o.secret}` } : {};
	const post = (path: string, body: unknown) =>
		fetch(`${o.coordinator}/workers/${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...auth },
			body: JSON.stringify(body)
		});

	async function register(): Promise<number> {
		const registration: WorkerRegistrationInput = {
			worker_id: workerId,
			url,
			models: o.models.map((id) => ({ id, capabilities: o.embeddings ? ['chat', 'completions', 'embeddings'] : ['chat', 'completions'] })),
			speed: o.speed,
			max_concurrency: 64,
			queue_length: stats.active,
			backend: 'stub'
		};
		const res = await post('register', registration);
		if (!res.ok) throw new Error(`register failed: ${res.status} ${await res.text()}`);
		return RegisterResponseSchema.parse(await res.json()).heartbeat_interval_ms;
	}

	if (o.coordinator) {
		const interval = o.heartbeatMs ?? (await register());
		if (o.heartbeatMs) await register();
		beat = setInterval(async () => {
			try {
				const res = await post('heartbeat', { worker_id: workerId, queue_length: stats.active });
				if (!HeartbeatResponseSchema.parse(await res.json()).known) await register();
			} catch (err) {
				o.log(`heartbeat failed: ${(err as Error).message}`);
			}
		}, interval);
	}

	async function close() {
		if (beat) clearInterval(beat);
		if (o.coordinator) await post('deregister', { worker_id: workerId }).catch(() => undefined);
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	return { url, port, workerId, stats, close };
}

async function main() {
	const { values } = parseArgs({
		options: {
			port: { type: 'string', default: '0' },
			host: { type: 'string', default: '127.0.0.1' },
			model: { type: 'string', multiple: true, default: ['lumen-stub'] },
			tokens: { type: 'string', default: '16' },
			'interval-ms': { type: 'string', default: '20' },
			'first-token-ms': { type: 'string' },
			fail: { type: 'string', default: 'none' },
			embeddings: { type: 'boolean', default: false },
			coordinator: { type: 'string' },
			secret: { type: 'string' },
			'worker-id': { type: 'string' },
			speed: { type: 'string', default: '1' },
			'heartbeat-ms': { type: 'string' },
			'api-key': { type: 'string' }
		}
	});
	const intervalMs = Number(values['interval-ms']);
	const stub = await startStubWorker({
		port: Number(values.port),
		host: values.host,
		models: values.model,
		tokens: Number(values.tokens),
		intervalMs,
		firstTokenMs: values['first-token-ms'] ? Number(values['first-token-ms']) : intervalMs,
		failure: parseFailure(values.fail),
		embeddings: values.embeddings,
		coordinator: values.coordinator,
		secret: values.secret,
		workerId: values['worker-id'],
		speed: Number(values.speed),
		heartbeatMs: values['heartbeat-ms'] ? Number(values['heartbeat-ms']) : undefined,
		apiKey: values['api-key'],
		log: (line) => console.log(line)
	});
	console.log(`stub worker ${stub.workerId} listening on ${stub.url}`);
	const stop = () => void stub.close().finally(() => process.exit(0));
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
