// Where `lumen chat` gets its tokens: a coordinator's /v1/chat/completions (the one OpenAI client), or the onnx
// backend in this process (offline, our test models). Both speak OpenAI chunks and take an AbortSignal.
import { LumenError } from '#protocol/errors';
import type { ChatCompletionChunk, ChatCompletionRequest } from '#protocol/openai';
import { OpenAIClient } from '#protocol/openai-client';
import { loadOnnxBackend } from '../../workers/native/onnx-backend';
import { modelToLoad } from '../catalog';

export interface ChatEngine {
	readonly model: string;
	chat(request: Omit<ChatCompletionRequest, 'model'>, signal: AbortSignal): AsyncIterable<ChatCompletionChunk>;
	close(): Promise<void>;
}

/** `http://host:8000` and `http://host:8000/v1` both mean the coordinator at `http://host:8000`. */
function coordinatorClient(url: string, apiKey: string | undefined): OpenAIClient {
	return new OpenAIClient({ url, apiKey, label: 'coordinator', keyHint: 'Pass the right key with --api-key or LUMEN_API_KEY.' });
}

export async function listRemoteModels(url: string, apiKey?: string): Promise<string[]> {
	return (await coordinatorClient(url, apiKey).listModels()).map((m) => m.id);
}

export async function remoteEngine(url: string, apiKey: string | undefined, model: string | undefined): Promise<ChatEngine> {
	const client = coordinatorClient(url, apiKey);
	const chosen = model ?? (await client.listModels())[0]?.id;
	if (!chosen) throw new LumenError('model_not_found', `${client.api} serves no models yet. Start a worker, or pass --model.`, true);
	return {
		model: chosen,
		chat: (request, signal) => client.streamChat({ ...request, model: chosen }, { signal }),
		close: async () => undefined
	};
}

export async function localEngine(model: string, threads?: number): Promise<ChatEngine> {
	const { model: toLoad, dtype } = modelToLoad(model);
	// speed is only reported to coordinators; skipping the measuring warm-up makes start-up faster.
	const backend = await loadOnnxBackend({ model: toLoad, dtype, threads, speed: 1 });
	const served = backend.models[0].id;
	return {
		model: served,
		chat: (request, signal) => backend.chat({ ...request, model: served }, signal),
		close: () => backend.close()
	};
}
