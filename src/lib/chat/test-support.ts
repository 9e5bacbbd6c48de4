// Test-only: a scripted Engine and the EngineState surface ChatState and BattleSide need, so chat
// logic runs in Node without workers. The engine streams words, honours abort and can refuse requests.
import { catalog, type CatalogModel } from '$lib/catalog/catalog';
import type { ImageSupport } from '$lib/engine/picker';
import type { ChatOptions, Engine } from '$lib/engine/types';
import { LumenError } from '$lib/protocol/errors';
import { makeChunk, type ChatCompletionChunk, type ChatCompletionRequest } from '$lib/protocol/openai';
import type { ChatFormatChoice } from '$lib/protocol/worker-api';

export type ScriptOptions = {
	/** Words streamed per answer (default three). */
	words?: string[];
	/** Delay before each word, so a test can act mid-stream (default 0). */
	everyMs?: number;
	/** Refuse a request before the first token (e.g. its prompt is too long). */
	refuse?: (request: ChatCompletionRequest) => LumenError | null;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ScriptedEngine implements Engine {
	readonly kind = 'scripted' as const;
	readonly requests: ChatCompletionRequest[] = [];
	/** The format choice each request came with (undefined when the page sent none). */
	readonly formats: (ChatFormatChoice | undefined)[] = [];
	/** Words streamed so far, so a test can wait for "mid-stream". */
	yielded = 0;
	unloads = 0;

	constructor(readonly options: ScriptOptions = {}) {}

	async load(model: CatalogModel) {
		return { modelId: model.id, device: 'wasm' as const, dtype: model.defaultDtype, networkBytes: 0, cachedBytes: 0, loadMs: 0 };
	}

	async *chat(request: ChatCompletionRequest, options: ChatOptions = {}): AsyncGenerator<ChatCompletionChunk> {
		this.requests.push(structuredClone(request));
		this.formats.push(options.format && structuredClone(options.format));
		const refusal = this.options.refuse?.(request);
		if (refusal) throw refusal;
		const words = this.options.words ?? ['one ', 'two ', 'three'];
		for (const word of words) {
			await sleep(this.options.everyMs ?? 0);
			if (options.signal?.aborted) return;
			this.yielded++;
			yield makeChunk('scripted', request.model, { content: word });
		}
		yield makeChunk('scripted', request.model, {}, 'stop', { prompt_tokens: 1, completion_tokens: words.length, total_tokens: words.length + 1 });
	}

	async embed(): Promise<never> {
		throw new LumenError('bad_request', 'The scripted engine offers no embeddings.');
	}

	async unload(): Promise<void> {
		this.unloads++;
	}

	/** Waits until at least `n` words have been streamed. */
	async untilYielded(n: number): Promise<void> {
		while (this.yielded < n) await sleep(1);
	}
}

/** The part of EngineState that chat and arena state use, over one scripted engine. */
export function scriptedEngines(engine: Engine, models: CatalogModel[] = catalog.filter((m) => m.source.host === 'local')) {
	const state = {
		modelId: models[0].id,
		models,
		status: 'idle' as const,
		progress: null,
		error: null,
		released: 0,
		init: async () => undefined,
		select(id: string) {
			state.modelId = id;
		},
		load: async () => true,
		cancelLoad: () => undefined,
		routeFor: () => null,
		/** Set true to act as a model formatted in this browser (Transformers.js). */
		formatsPrompts: false,
		chatEngine: engine,
		/** Text-only, like every local model; a test sets `{ ok: true }` to stand in for a vision model on a coordinator. */
		images: { ok: false, reason: 'The scripted model reads text only.' } as ImageSupport,
		release: async () => void state.released++
	};
	return state;
}
