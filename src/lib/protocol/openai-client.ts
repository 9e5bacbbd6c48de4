// The one way this app talks to an OpenAI-compatible server (a Lumen coordinator or worker, vLLM, llama.cpp,
// TGI, Ollama): URL normalisation, JSON calls, streamed chats and completions, every failure a LumenError.
import type { z } from 'zod';
import { LumenError, errorText, isAbortError, stopped } from './errors';
import type { ChatCompletionChunk, ChatCompletionRequest, CompletionChunk, CompletionRequest } from './openai';
import { LooseModelListSchema, normalizeChatChunk, normalizeCompletionChunk, servedModels, type ServedModel } from './openai-client-chunks';
import { capitalize, httpErrorToLumen, payloadToLumen, readErrorPayload } from './openai-client-errors';
import { parseSSE } from './sse';

/** `root` serves the app's own APIs (`/api/arena/…`, `/workers`); `api` is the OpenAI base, `root + '/v1'`. */
export type ServerUrls = { root: string; api: string };

/**
 * Accepts a server root or its OpenAI base URL (`…/v1`), with or without trailing slashes, so people can
 * paste either. A path before `/v1` is kept: `http://h/openai/v1` has its root at `http://h/openai`. A path
 * that already ends in another API version (`…/v1beta/openai`, `…/v4`) is taken as the OpenAI base itself.
 */
export function serverUrls(url: string): ServerUrls {
	let parsed: URL;
	try {
		parsed = new URL(url.trim());
	} catch {
		throw new LumenError('bad_request', `"${url}" is not a URL. Give the server's address, e.g. http://localhost:8000 or http://localhost:8000/v1.`);
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
		throw new LumenError('bad_request', `"${url}" must start with http:// or https://, e.g. http://localhost:8000.`);
	const path = parsed.pathname.replace(/\/+$/, '');
	if (path.endsWith('/v1')) return { root: parsed.origin + path.slice(0, -'/v1'.length), api: parsed.origin + path };
	// An OpenAI base of another shape (Gemini's …/v1beta/openai, …/v4, …/openai) is used as given.
	if (/\/(v\d+[a-z0-9]*|openai)$/i.test(path)) return { root: parsed.origin + path, api: parsed.origin + path };
	return { root: parsed.origin + path, api: `${parsed.origin}${path}/v1` };
}

export type OpenAIClientOptions = {
	/** The server root or its `/v1` URL. */
	url: string;
	/** Sent as `Authorization: Bearer …`. */
	apiKey?: string;
	/** How messages name the server ("coordinator", "upstream server"); default "server". */
	label?: string;
	/** What to do when the key is refused; default "Check the API key." */
	keyHint?: string;
	/** Defaults to the global fetch (browsers, workers, Node 20). */
	fetch?: typeof fetch;
	/** Re-codes a failed request's error (unreachable server, non-2xx answer) for callers that must report it otherwise. */
	mapError?: (err: LumenError) => LumenError;
};

export type CallOptions = { signal?: AbortSignal; timeoutMs?: number };
/** `passErrors`: a non-2xx answer is returned as is instead of thrown (a relay hands it on). */
type RequestOptions = CallOptions & { method?: 'GET' | 'POST'; body?: unknown; passErrors?: boolean };

export class OpenAIClient {
	readonly root: string;
	readonly api: string;
	private readonly send: typeof fetch;

	constructor(private readonly options: OpenAIClientOptions) {
		({ root: this.root, api: this.api } = serverUrls(options.url));
		const given = options.fetch;
		// Called without a receiver: a browser's fetch throws "Illegal invocation" when called as a method of another object.
		this.send = (input, init) => (given ?? fetch)(input, init);
	}

	/** "the coordinator at http://…", for messages. */
	get server(): string {
		return `the ${this.options.label ?? 'server'} at ${this.root}`;
	}

	/** One request to `path` under the server root (`/v1/models`, `/api/arena/votes`); a non-2xx answer throws unless `passErrors`. */
	async request(path: string, init: RequestOptions = {}): Promise<Response> {
		const headers: Record<string, string> = {};
		if (this.options.apiKey) headers.Authorization = `Bearer ${this.options.apiKey}`;
		if (init.body !== undefined) headers['Content-Type'] = 'application/json';
		const signal = withTimeout(init.signal, init.timeoutMs);
		let res: Response;
		try {
			res = await this.send(this.root + path, {
				method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
				headers,
				body: init.body === undefined ? undefined : JSON.stringify(init.body),
				signal
			});
		} catch (err) {
			throw this.failure(err, signal, init.timeoutMs);
		}
		if (res.ok || init.passErrors) return res;
		throw this.map(await httpErrorToLumen(res, path, { server: this.server, keyHint: this.options.keyHint ?? 'Check the API key.', url: this.root }));
	}

	async getJSON<T>(path: string, schema: z.ZodType<T>, options: CallOptions = {}): Promise<T> {
		return this.readJSON(path, await this.request(path, options), schema, options);
	}

	async postJSON<T>(path: string, body: unknown, schema: z.ZodType<T>, options: CallOptions = {}): Promise<T> {
		return this.readJSON(path, await this.request(path, { ...options, body }), schema, options);
	}

	/** The models at `/v1/models`, with their context windows when the server gives them. */
	async listModels(options: CallOptions = {}): Promise<ServedModel[]> {
		return servedModels(await this.getJSON('/v1/models', LooseModelListSchema, options));
	}

	/** Streams `/v1/chat/completions` (with usage at the end), normalised to the app's chunks. */
	async *streamChat(request: ChatCompletionRequest, options: { signal?: AbortSignal } = {}): AsyncGenerator<ChatCompletionChunk> {
		for await (const raw of this.stream('/v1/chat/completions', request, options.signal)) yield normalizeChatChunk(raw, request.model);
	}

	/** Streams `/v1/completions` (with usage at the end), normalised to the app's chunks. */
	async *streamCompletion(request: CompletionRequest, options: { signal?: AbortSignal } = {}): AsyncGenerator<CompletionChunk> {
		for await (const raw of this.stream('/v1/completions', request, options.signal)) yield normalizeCompletionChunk(raw, request.model);
	}

	private async *stream(path: string, request: object, signal: AbortSignal | undefined): AsyncGenerator<unknown> {
		const res = await this.request(path, { body: { ...request, stream: true, stream_options: { include_usage: true } }, signal });
		if ((res.headers.get('content-type') ?? '').includes('application/json')) {
			// Some servers answer an error, or a whole answer, as JSON with status 200 despite `stream: true`.
			const payload = readErrorPayload(await res.json().catch(() => null));
			if (payload) throw payloadToLumen(payload, 502);
			throw new LumenError('internal', `${capitalize(this.server)} answered ${path} with one JSON body instead of a stream. Is it an OpenAI-compatible server that streams?`, false);
		}
		if (!res.body) throw new LumenError('network', `${capitalize(this.server)} answered ${path} without a body. Try again.`, true);
		yield* parseSSE(res.body, signal);
	}

	private async readJSON<T>(path: string, res: Response, schema: z.ZodType<T>, options: CallOptions): Promise<T> {
		let body: unknown;
		try {
			body = await res.json();
		} catch (err) {
			if (options.signal?.aborted || isTimeout(err)) throw this.failure(err, options.signal, options.timeoutMs);
			body = undefined;
		}
		const parsed = schema.safeParse(body);
		if (parsed.success) return parsed.data;
		const issue = parsed.error.issues[0];
		const where = issue ? ` (${issue.path.join('.') || 'body'}: ${issue.message})` : '';
		throw new LumenError('internal', `${capitalize(this.server)} answered ${path} with something this app cannot read${where}. Is the URL right, and the server up to date?`, false);
	}

	/** Why fetch threw: our timeout, the caller's abort, or an unreachable server. */
	private failure(err: unknown, signal: AbortSignal | undefined, timeoutMs: number | undefined): LumenError {
		if (isTimeout(err) || isTimeout(signal?.reason)) {
			const within = timeoutMs === undefined ? 'in time' : timeoutMs < 1000 ? `within ${timeoutMs} ms` : `within ${Math.round(timeoutMs / 1000)} seconds`;
			const i18n = errorText('error.text.noAnswer', { url: this.root });
			return this.map(new LumenError('network', `${capitalize(this.server)} did not answer ${within}. Check that it is running and reachable, then try again.`, true, { cause: err, i18n }));
		}
		if (signal?.aborted || isAbortError(err)) return stopped(err);
		const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
		const i18n = errorText('error.text.unreachable', { url: this.root });
		return this.map(new LumenError('network', `Could not reach ${this.server} (${cause}). Check the URL and that it is running.`, true, { cause: err, i18n }));
	}

	private map(err: LumenError): LumenError {
		return this.options.mapError ? this.options.mapError(err) : err;
	}
}

function withTimeout(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
	if (timeoutMs === undefined) return signal;
	const timeout = AbortSignal.timeout(timeoutMs);
	return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function isTimeout(err: unknown): boolean {
	return typeof err === 'object' && err !== null && 'name' in err && (err as { name: unknown }).name === 'TimeoutError';
}
