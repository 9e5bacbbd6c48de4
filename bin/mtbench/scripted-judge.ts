// A scripted OpenAI-compatible judge for tests and the benchmark: answers /v1/chat/completions (streamed or
// not) with the text `verdict(request)` returns, after `delayMs`; records every request (with its
// Authorization header) and the peak concurrency; can hold requests past a limit unanswered
// (`answerUpTo`), so a test can reload a page mid-run; answers browsers too (CORS, preflight); and serves
// `files` under /files/ (a bench by URL).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type JudgeRequest = { model: string; messages: { role: string; content: string }[]; temperature?: number; max_tokens?: number; stream?: boolean };
export type JudgeCall = { body: JudgeRequest; authorization: string | undefined; answered: boolean };

export type ScriptedJudge = {
	/** The OpenAI base URL, ending in /v1. */
	url: string;
	/** The server root, for /files/. */
	root: string;
	/** Every request's body, in arrival order. */
	requests: JudgeRequest[];
	/** Every request with its Authorization header and whether it was answered. */
	calls: JudgeCall[];
	peakConcurrency(): number;
	/** Answers the first `n` requests (counted from the first ever) and holds the rest until the limit is raised. */
	answerUpTo(n: number): void;
	close(): Promise<void>;
};

export type ScriptedJudgeOptions = { verdict: (request: JudgeRequest) => string; delayMs?: number; files?: Record<string, string> };

const CORS = {
	'access-control-allow-origin': '*',
	'access-control-allow-headers': 'authorization, content-type',
	'access-control-allow-methods': 'GET, POST, OPTIONS'
};

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = '';
		req.setEncoding('utf8').on('data', (d: string) => (text += d));
		req.on('end', () => resolve(text));
		req.on('error', reject);
	});
}

export async function startScriptedJudge(options: ScriptedJudgeOptions): Promise<ScriptedJudge> {
	const requests: JudgeRequest[] = [];
	const calls: JudgeCall[] = [];
	let active = 0;
	let peak = 0;
	let limit = Infinity;
	let waiters: (() => void)[] = [];
	const release = () => {
		const woken = waiters;
		waiters = [];
		for (const wake of woken) wake();
	};

	async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const body = JSON.parse((await readBody(req)) || '{}') as JudgeRequest;
		const call: JudgeCall = { body, authorization: req.headers.authorization, answered: false };
		requests.push(body);
		const index = calls.push(call) - 1;
		let gone = false;
		res.on('close', () => (gone = true));
		peak = Math.max(peak, ++active);
		try {
			while (index >= limit && !gone) await new Promise<void>((wake) => waiters.push(wake));
			if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
			if (gone) return;
			call.answered = true;
			const text = options.verdict(body);
			const base = { id: `chatcmpl-${index + 1}`, created: Math.floor(Date.now() / 1000), model: body.model };
			if (!body.stream) {
				res.writeHead(200, { ...CORS, 'content-type': 'application/json' }).end(
					JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] })
				);
				return;
			}
			const chunk = (delta: object, finish: string | null) =>
				`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
			res.writeHead(200, { ...CORS, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
			res.end(chunk({ role: 'assistant', content: text }, null) + chunk({}, 'stop') + 'data: [DONE]\n\n');
		} finally {
			active--;
		}
	}

	const server = createServer((req, res) => {
		if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
		const file = req.url?.startsWith('/files/') ? options.files?.[req.url.slice('/files/'.length)] : undefined;
		if (req.method === 'GET' && file !== undefined) return void res.writeHead(200, { ...CORS, 'content-type': 'application/x-ndjson' }).end(file);
		if (req.method === 'POST' && req.url === '/v1/chat/completions') {
			chat(req, res).catch((err: Error) => res.writeHead(500, CORS).end(JSON.stringify({ error: { message: err.message, type: 'server_error' } })));
			return;
		}
		res.writeHead(404, { ...CORS, 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url: `${root}/v1`,
		root,
		requests,
		calls,
		peakConcurrency: () => peak,
		answerUpTo(n) {
			limit = n;
			release();
		},
		close: () =>
			new Promise<void>((resolve) => {
				release();
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
