// The openai backend: fronts any OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, Ollama).
// It discovers models from /v1/models and relays each request body unchanged (tools, images, logprobs,
// the server's own fields), answering with the server's bytes; errors come back OpenAI-shaped. chat() and
// complete() (for in-process callers) stream through the one OpenAI client, which normalises the dialect.
import { LumenError } from '#protocol/errors';
import { OpenAIClient } from '#protocol/openai-client';
import { httpErrorToLumen } from '#protocol/openai-client-errors';
import { OpenAIErrorBodySchema } from '#protocol/openai-errors';
import { relayedModels, type WorkerModel } from '#protocol/coordinator';
import { EmbeddingResponseSchema, type ApiEndpoint, type Backend } from './backend';

export type OpenAIBackendOptions = {
	/** Upstream server root or its OpenAI base URL (`…/v1`). */
	upstream: string;
	apiKey?: string;
	speed?: number;
	/** How long to keep retrying model discovery while the upstream is still starting. */
	waitMs?: number;
	/** Mark models as reading images (`image_url` parts): all of them, or these ids. The upstream's own metadata counts too. */
	vision?: boolean | readonly string[];
	log?: (line: string) => void;
};

/**
 * Our client's request reached us fine, so an upstream's failures are ours to report: a refused key is
 * this worker's misconfiguration (not the client's 401), an unreachable upstream makes us unavailable
 * (so the coordinator tries another worker).
 */
function asWorkerError(err: LumenError): LumenError {
	if (err.code === 'unauthorized') return new LumenError('network', err.message, false);
	if (err.code === 'network') return new LumenError('unavailable', err.message, true);
	return err;
}

const PATHS: Record<ApiEndpoint, string> = { chat: '/v1/chat/completions', completions: '/v1/completions', embeddings: '/v1/embeddings' };
const KEY_HINT = "Check this worker's --upstream-key.";

/**
 * Sends the client's body as is and returns the upstream's answer as is. An error answer in OpenAI's shape
 * (its message, type, param and code) is handed on with its status; one in another dialect, or a refused key,
 * is read by the client's error rules and thrown.
 */
async function relay(client: OpenAIClient, endpoint: ApiEndpoint, body: unknown, signal: AbortSignal): Promise<Response> {
	const path = PATHS[endpoint];
	const res = await client.request(path, { body, signal, passErrors: true });
	if (res.ok) return res;
	const text = await res.text().catch(() => '');
	const openai = res.status === 401 || res.status === 403 ? null : OpenAIErrorBodySchema.safeParse(safeJson(text));
	if (openai?.success) {
		const { message, type, param, code } = openai.data.error;
		const error = { message, type: type ?? (res.status < 500 ? 'invalid_request_error' : 'server_error'), param: param ?? null, code: code ?? null };
		return Response.json({ error }, { status: res.status });
	}
	throw asWorkerError(await httpErrorToLumen(new Response(text, { status: res.status, statusText: res.statusText }), path, { server: client.server, keyHint: KEY_HINT }));
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

export async function loadOpenAIBackend(options: OpenAIBackendOptions): Promise<Backend> {
	const client = new OpenAIClient({
		url: options.upstream,
		apiKey: options.apiKey,
		label: 'upstream server',
		keyHint: KEY_HINT,
		mapError: asWorkerError
	});
	const models = await discoverModels(client, options);
	options.log?.(`openai: fronting ${client.api} with ${models.map((m) => m.id).join(', ')}`);

	return {
		kind: 'openai',
		models,
		speed: options.speed ?? 1,
		defaultConcurrency: 32,
		relay: (endpoint, body, signal) => relay(client, endpoint, body, signal),
		chat: (request, signal) => client.streamChat(request, { signal }),
		complete: (request, signal) => client.streamCompletion(request, { signal }),
		// Forwarded as is: if the upstream cannot embed this model, its own error reaches the client.
		embed: (request, signal) => client.postJSON('/v1/embeddings', request, EmbeddingResponseSchema, { signal }),
		close: async () => undefined
	};
}

async function discoverModels(client: OpenAIClient, options: OpenAIBackendOptions): Promise<WorkerModel[]> {
	const deadline = Date.now() + (options.waitMs ?? 60_000);
	for (let attempt = 0; ; attempt++) {
		try {
			const served = await client.listModels({ timeoutMs: 10_000 });
			if (served.length === 0) throw new LumenError('model_not_found', `${client.api}/models lists no models.`, true);
			return relayedModels(served, options.vision);
		} catch (err) {
			const e = err instanceof LumenError ? err : new LumenError('network', String(err), true);
			if (!e.retryable || Date.now() >= deadline) throw e;
			if (attempt % 10 === 0) options.log?.(`openai: waiting for ${client.api} (${e.message})`);
			await new Promise((r) => setTimeout(r, 1000));
		}
	}
}
