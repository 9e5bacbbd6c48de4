// A scripted OpenAI-compatible judge for tests and the benchmark: answers /v1/chat/completions (streamed or
// not) with the text `verdict(messages)` returns, after `delayMs`, and counts calls and the peak concurrency.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type JudgeRequest = { model: string; messages: { role: string; content: string }[]; temperature?: number; max_tokens?: number; stream?: boolean };

export type ScriptedJudge = {
	/** The OpenAI base URL, ending in /v1. */
	url: string;
	requests: JudgeRequest[];
	peakConcurrency(): number;
	close(): Promise<void>;
};

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = '';
		req.setEncoding('utf8').on('data', (d: string) => (text += d));
		req.on('end', () => resolve(text));
		req.on('error', reject);
	});
}

export async function startScriptedJudge(options: { verdict: (request: JudgeRequest) => string; delayMs?: number }): Promise<ScriptedJudge> {
	const requests: JudgeRequest[] = [];
	let active = 0;
	let peak = 0;
	const server: Server = createServer((req, res) => {
		void (async () => {
			const body = JSON.parse((await readBody(req)) || '{}') as JudgeRequest;
			if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
				res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
				return;
			}
			requests.push(body);
			peak = Math.max(peak, ++active);
			try {
				if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
				const text = options.verdict(body);
				const base = { id: `chatcmpl-${requests.length}`, created: Math.floor(Date.now() / 1000), model: body.model };
				if (!body.stream) {
					res.writeHead(200, { 'content-type': 'application/json' }).end(
						JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] })
					);
					return;
				}
				const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
				res.end(chunk({ role: 'assistant', content: text }, null) + chunk({}, 'stop') + 'data: [DONE]\n\n');
			} finally {
				active--;
			}
		})();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
		requests,
		peakConcurrency: () => peak,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
