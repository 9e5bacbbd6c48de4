// A scripted OpenAI-compatible server for tests (what vLLM or llama.cpp would be): it records every request
// body it receives and answers from a script keyed on the request (tool calls when tools are offered,
// logprobs when asked, n choices, embeddings in float or base64, errors in OpenAI's and Ollama's dialects).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RecordedRequest = { method: string; path: string; authorization: string | undefined; body: unknown };

export type FakeUpstream = {
	/** The OpenAI base URL, ending in `/v1`. */
	url: string;
	requests: RecordedRequest[];
	/** The body of the last POST to `path` (e.g. `/v1/chat/completions`). */
	last(path: string): unknown;
	close(): Promise<void>;
};

export type FakeUpstreamOptions = {
	/** The `/v1/models` entries (each needs an `id`; anything else is metadata this server reports). */
	models: Record<string, unknown>[];
	/** Extra top-level fields of the `/v1/models` answer (llama.cpp adds a `models` array). */
	listExtras?: Record<string, unknown>;
};

/** A message whose text contains this makes the fake answer OpenAI's 400 for `response_format`. */
export const FAIL_OPENAI = 'FAIL-OPENAI';
/** …and this, Ollama's 404 with a bare string error. */
export const FAIL_OLLAMA = 'FAIL-OLLAMA';
export const FAKE_TOOL_ARGUMENTS = '{"city":"Paris","unit":"celsius"}';
export const FAKE_LOGPROBS = {
	content: [
		{
			token: 'Fine',
			logprob: -0.25,
			bytes: [70, 105, 110, 101],
			top_logprobs: [
				{ token: 'Fine', logprob: -0.25, bytes: [70, 105, 110, 101] },
				{ token: 'Good', logprob: -1.5, bytes: [71, 111, 111, 100] }
			]
		}
	]
};

type Body = Record<string, unknown> & {
	model?: string;
	stream?: boolean;
	stream_options?: { include_usage?: boolean };
	messages?: { role: string; content?: unknown }[];
	tools?: { function: { name: string } }[];
	n?: number;
	logprobs?: boolean | number;
	input?: string | string[];
	dimensions?: number;
	encoding_format?: string;
	prompt?: string;
	echo?: boolean;
};

const usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const parts: Buffer[] = [];
		req.on('data', (d: Buffer) => parts.push(d));
		req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
		req.on('error', reject);
	});
}

function json(res: ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sse(res: ServerResponse, events: unknown[]) {
	res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
	res.end(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n');
}

const textOfMessages = (body: Body) => JSON.stringify(body.messages ?? body.prompt ?? '');

/** The vector for one input: its length first, so different inputs differ; `dims` long. */
function vectorOf(input: string, dims: number): number[] {
	return Array.from({ length: dims }, (_, i) => (i === 0 ? input.length : (i % 2 ? 0.25 : -0.5) * i));
}

function chat(res: ServerResponse, body: Body) {
	const model = body.model ?? 'unknown';
	const id = 'chatcmpl-fake';
	const created = 1_700_000_000;
	const last = body.messages?.at(-1);
	const callsTool = Boolean(body.tools?.length) && last?.role !== 'tool';
	const toolName = body.tools?.[0]?.function.name ?? 'none';
	const text = last?.role === 'tool' ? `The tool said ${JSON.stringify(last.content)}.` : 'Fine, thank you.';
	const choices = Array.from({ length: body.n ?? 1 }, (_, index) => index);
	const logprobs = body.logprobs === true ? FAKE_LOGPROBS : null;
	if (!body.stream) {
		const message = callsTool
			? { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake_1', type: 'function', function: { name: toolName, arguments: FAKE_TOOL_ARGUMENTS } }] }
			: { role: 'assistant', content: text };
		return json(res, 200, {
			id,
			object: 'chat.completion',
			created,
			model,
			choices: choices.map((index) => ({ index, message, logprobs, finish_reason: callsTool ? 'tool_calls' : 'stop' })),
			usage
		});
	}
	const chunk = (choice: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({ id, object: 'chat.completion.chunk', created, model, choices: choice, ...extra });
	const events: unknown[] = [];
	for (const index of choices) {
		if (callsTool) {
			const [a, b] = [FAKE_TOOL_ARGUMENTS.slice(0, 9), FAKE_TOOL_ARGUMENTS.slice(9)];
			events.push(
				chunk([{ index, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_fake_1', type: 'function', function: { name: toolName, arguments: '' } }] }, logprobs: null, finish_reason: null }]),
				chunk([{ index, delta: { tool_calls: [{ index: 0, function: { arguments: a } }] }, logprobs: null, finish_reason: null }]),
				chunk([{ index, delta: { tool_calls: [{ index: 0, function: { arguments: b } }] }, logprobs: null, finish_reason: null }]),
				chunk([{ index, delta: {}, logprobs: null, finish_reason: 'tool_calls' }])
			);
		} else {
			events.push(
				chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
				chunk([{ index, delta: { content: text }, logprobs, finish_reason: null }]),
				chunk([{ index, delta: {}, logprobs: null, finish_reason: 'stop' }])
			);
		}
	}
	if (body.stream_options?.include_usage) events.push(chunk([], { usage }));
	sse(res, events);
}

function completion(res: ServerResponse, body: Body) {
	const text = (body.echo ? String(body.prompt) : '') + ' and so on';
	const logprobs = typeof body.logprobs === 'number' ? { tokens: [' and'], token_logprobs: [-0.5], top_logprobs: [{ ' and': -0.5 }], text_offset: [0] } : null;
	const answer = { id: 'cmpl-fake', object: 'text_completion', created: 1_700_000_000, model: body.model, choices: [{ index: 0, text, logprobs, finish_reason: 'stop' }], usage };
	if (!body.stream) return json(res, 200, answer);
	const events: unknown[] = [answer];
	if (body.stream_options?.include_usage) events.push({ ...answer, choices: [] });
	sse(res, events.map((e) => ({ ...(e as object), usage: (e as { choices: unknown[] }).choices.length ? null : usage })));
}

function embeddings(res: ServerResponse, body: Body) {
	const inputs = Array.isArray(body.input) ? body.input : [String(body.input ?? '')];
	const dims = body.dimensions ?? 4;
	const data = inputs.map((s, index) => {
		const vector = vectorOf(s, dims);
		const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
		return { object: 'embedding', index, embedding };
	});
	json(res, 200, { object: 'list', model: body.model, data, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } });
}

export async function startFakeUpstream(options: FakeUpstreamOptions): Promise<FakeUpstream> {
	const requests: RecordedRequest[] = [];
	const server: Server = createServer((req, res) => {
		void readBody(req).then((text) => {
			const path = (req.url ?? '/').split('?')[0];
			let body: Body;
			try {
				body = text ? (JSON.parse(text) as Body) : {};
			} catch {
				return json(res, 400, { error: { message: 'bad json', type: 'invalid_request_error', param: null, code: null } });
			}
			requests.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization, body: text ? body : undefined });
			if (req.method === 'GET' && path === '/v1/models')
				return json(res, 200, { object: 'list', data: options.models.map((m) => ({ object: 'model', created: 0, owned_by: 'fake', ...m })), ...options.listExtras });
			if (textOfMessages(body).includes(FAIL_OPENAI))
				return json(res, 400, {
					error: { message: "This model cannot follow a 'json_schema' response_format.", type: 'invalid_request_error', param: 'response_format', code: 'unsupported_parameter' }
				});
			if (textOfMessages(body).includes(FAIL_OLLAMA)) return json(res, 404, { error: `model '${body.model}' not found, try pulling it first` });
			if (req.method === 'POST' && path === '/v1/chat/completions') return chat(res, body);
			if (req.method === 'POST' && path === '/v1/completions') return completion(res, body);
			if (req.method === 'POST' && path === '/v1/embeddings') return embeddings(res, body);
			json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: 'not_found' } });
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
	return {
		url,
		requests,
		last: (path) => requests.filter((r) => r.method === 'POST' && r.path === path).at(-1)?.body,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
