// The openai backend: fronts any OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, Ollama).
// It discovers models from /v1/models and forwards requests as streams through the one OpenAI client,
// which normalises the upstream's dialect and errors; it aborts upstream when our client leaves.
import { LumenError } from '#protocol/errors';
import { OpenAIClient } from '#protocol/openai-client';
import type { WorkerModel } from '#protocol/coordinator';
import { EmbeddingResponseSchema, type Backend } from './backend';

export type OpenAIBackendOptions = {
	/** Upstream server root or its OpenAI base URL (`…/v1`). */
	upstream: string;
	apiKey?: string;
	speed?: number;
	/** How long to keep retrying model discovery while the upstream is still starting. */
	waitMs?: number;
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

export async function loadOpenAIBackend(options: OpenAIBackendOptions): Promise<Backend> {
	const client = new OpenAIClient({
		url: options.upstream,
		apiKey: options.apiKey,
		label: 'upstream server',
		keyHint: "Check this worker's --upstream-key.",
		mapError: asWorkerError
	});
	const models = await discoverModels(client, options);
	options.log?.(`openai: fronting ${client.api} with ${models.map((m) => m.id).join(', ')}`);

	return {
		kind: 'openai',
		models,
		speed: options.speed ?? 1,
		defaultConcurrency: 32,
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
			return served.map((m) => ({ ...m, capabilities: ['chat', 'completions', 'embeddings'] }));
		} catch (err) {
			const e = err instanceof LumenError ? err : new LumenError('network', String(err), true);
			if (!e.retryable || Date.now() >= deadline) throw e;
			if (attempt % 10 === 0) options.log?.(`openai: waiting for ${client.api} (${e.message})`);
			await new Promise((r) => setTimeout(r, 1000));
		}
	}
}
