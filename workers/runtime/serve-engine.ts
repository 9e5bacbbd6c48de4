// The Transformers.js runtime as a ServeEngine (src/lib/serve/engine.ts): what a tab's Web Worker, or a
// Node process, hands to BrowserWorkerClient to serve its loaded model to a coordinator. The same
// streamChat / streamCompletion / embedRequest a native onnx worker runs, so answers match token for token.
import type { WorkerModel } from '#protocol/coordinator';
import { LumenError } from '#protocol/errors';
import type { EmbeddingRequest } from '#protocol/openai';
import type { ServeEngine } from '#serve/engine';
import { contextLengthOf } from './context-window';
import { chatFormat, type ChatFormat } from './transformers-chat-prompt';
import { streamChat, type LoadedTextModel } from './transformers-chat';
import { streamCompletion } from './transformers-complete';
import { embedRequest, offersEmbeddings } from './transformers-embed';
import { onnxSupports, unsupportedParameter } from '../native/parameters';

const ENDPOINT = { chat: 'chat', completion: 'completions', embeddings: 'embeddings' } as const;

export type RuntimeServeOptions = {
	/** How chats are formatted (default: the model's own template, or the one its id matches). */
	format?: ChatFormat;
	/** The id to register (default: the loaded model's id). */
	modelId?: string;
};

export function runtimeServeEngine(loaded: LoadedTextModel, options: RuntimeServeOptions = {}): ServeEngine {
	const format = options.format ?? chatFormat(loaded);
	const contextLength = contextLengthOf(loaded.model, loaded.tokenizer);
	const embeds = offersEmbeddings(loaded.model);
	const model: WorkerModel = {
		id: options.modelId ?? loaded.modelId,
		...(contextLength ? { context_length: contextLength } : {}),
		capabilities: embeds ? ['chat', 'completions', 'embeddings'] : ['chat', 'completions']
	};
	// The same runtime as the onnx backend, so the same parameters are honoured and the rest refused by name.
	const supports = onnxSupports(embeds);
	return {
		models: [model],
		check(kind, body) {
			const endpoint = ENDPOINT[kind];
			const refused = unsupportedParameter("This tab's model runtime", endpoint, body, supports[endpoint]);
			if (refused) throw new LumenError('unsupported_parameter', refused.message, false, { param: refused.param });
		},
		chat: (request, signal) => streamChat(loaded, request, signal, undefined, format),
		complete: (request, signal) => streamCompletion(loaded, request, signal),
		...(embeds ? { embed: (request: EmbeddingRequest, signal: AbortSignal) => embedRequest(loaded, request, signal) } : {})
	};
}
