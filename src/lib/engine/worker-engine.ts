// Engine over a browser Web Worker (comlink). Chunks arrive through a transferred ReadableStream;
// cancelling it interrupts generation in the worker. A crashed worker fails every pending call.
import * as Comlink from 'comlink';
import { LumenError, LumenErrorDataSchema, errorText, stopped, toLumenError } from '$lib/protocol/errors';
import type { EmbeddingResponse } from '$lib/protocol/embeddings';
import type { ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest } from '$lib/protocol/openai';
import type { BrowserWorkerApi, LoadResult, WorkerLoadSpec, WorkerStreamItem } from '$lib/protocol/worker-api';
import type { CatalogModel } from '$lib/catalog/catalog';
import type { ServeStatus } from '$lib/serve/browser-worker-client';
import type { ServeRequest, ServingWorkerApi } from '$lib/serve/serving-worker-api';
import type { ChatOptions, EmbedOptions, Engine, LoadOptions } from './types';

/** What WorkerEngine needs of a worker: its API and a way to end it. Tests pass an in-process fake. */
export type WorkerHandle = {
	/** The serving calls exist only on a worker that can serve (the Transformers.js one). */
	api: Pick<BrowserWorkerApi, 'load' | 'chat' | 'embed' | 'interrupt' | 'unload'> & Partial<ServingWorkerApi>;
	terminate(): void;
	/** Resolves (never rejects) when the worker dies on its own. */
	crashed: Promise<LumenError>;
};

export type SpecFor = (model: CatalogModel) => WorkerLoadSpec;

export class WorkerEngine implements Engine {
	readonly kind = 'worker' as const;
	/** The live worker; `crashed` also settles when this engine terminates it, so nothing waits on a dead worker. */
	private handle: WorkerHandle | null = null;
	private closeHandle: ((e: LumenError) => void) | null = null;
	private loadedId: string | null = null;

	constructor(
		private readonly spawn: () => WorkerHandle,
		private readonly specFor: SpecFor
	) {}

	get modelId(): string | null {
		return this.loadedId;
	}

	/** True while a Web Worker is running for this engine. */
	get alive(): boolean {
		return this.handle !== null;
	}

	private worker(): WorkerHandle {
		if (!this.handle) {
			const spawned = this.spawn();
			const closed = new Promise<LumenError>((resolve) => (this.closeHandle = resolve));
			const handle: WorkerHandle = { ...spawned, crashed: Promise.race([spawned.crashed, closed]) };
			this.handle = handle;
			void spawned.crashed.then(() => {
				if (this.handle === handle) {
					this.handle = null;
					this.loadedId = null;
				}
			});
		}
		return this.handle;
	}

	async load(model: CatalogModel, options: LoadOptions = {}): Promise<LoadResult> {
		const { signal, onProgress } = options;
		if (signal?.aborted) throw new LumenError('download_cancelled', 'Loading was cancelled.', true, { i18n: errorText('error.text.downloadCancelled') });
		const handle = this.worker();
		const spec = this.specFor(model);
		const progress = onProgress ? Comlink.proxy(onProgress) : undefined;
		const cancelled = new Promise<never>((_, reject) => {
			signal?.addEventListener(
				'abort',
				() => {
					// The only sure way to stop in-flight downloads is to end the worker; nothing is marked cached.
					this.terminate();
					reject(new LumenError('download_cancelled', 'Loading was cancelled. Nothing was saved as cached.', true, { i18n: errorText('error.text.downloadCancelled') }));
				},
				{ once: true }
			);
		});
		try {
			const result = await Promise.race([handle.api.load(spec, progress), cancelled, handle.crashed.then(throwIt)]);
			this.loadedId = model.id;
			return result;
		} catch (err) {
			throw rebuild(err, 'model_load_failed');
		}
	}

	async *chat(request: ChatCompletionRequest, options: ChatOptions = {}): AsyncGenerator<ChatCompletionChunk> {
		const { signal, format } = options;
		const handle = this.handle;
		if (!handle || !this.loadedId) throw new LumenError('model_not_found', 'Load a model before chatting.', true, { i18n: errorText('error.text.noModel', { action: 'chat' }) });
		let stream: ReadableStream<WorkerStreamItem>;
		try {
			stream = await Promise.race([handle.api.chat(request, format), handle.crashed.then(throwIt)]);
		} catch (err) {
			throw rebuild(err, 'generation_failed');
		}
		const reader = stream.getReader();
		let finished = false;
		const aborted = new Promise<{ done: true; value: undefined }>((resolve) => {
			const stop = () => resolve({ done: true, value: undefined });
			if (signal?.aborted) stop();
			signal?.addEventListener('abort', stop, { once: true });
		});
		try {
			while (true) {
				const r = await Promise.race([reader.read(), aborted, handle.crashed.then(throwIt)]);
				if (r.done) {
					finished = !signal?.aborted;
					return;
				}
				if (r.value.type === 'error') throw LumenError.fromData(r.value.error);
				yield r.value.chunk;
			}
		} finally {
			if (!finished) reader.cancel().catch(() => undefined);
		}
	}

	/** Embeds in the worker; aborting rejects at once and interrupts the worker between inputs. */
	async embed(request: EmbeddingRequest, options: EmbedOptions = {}): Promise<EmbeddingResponse> {
		const { signal } = options;
		const handle = this.handle;
		if (!handle || !this.loadedId) throw new LumenError('model_not_found', 'Load a model before embedding.', true, { i18n: errorText('error.text.noModel', { action: 'embed' }) });
		if (signal?.aborted) throw stopped();
		let onAbort: () => void = () => undefined;
		const aborted = new Promise<never>((_, reject) => {
			onAbort = () => {
				// Through comlink this is a promise, which a worker that just died rejects: nothing to do then.
				Promise.resolve(handle.api.interrupt()).catch(() => undefined);
				reject(stopped());
			};
			signal?.addEventListener('abort', onAbort, { once: true });
		});
		try {
			return await Promise.race([handle.api.embed(request), aborted, handle.crashed.then(throwIt)]);
		} catch (err) {
			throw rebuild(err, 'generation_failed');
		} finally {
			signal?.removeEventListener('abort', onAbort);
		}
	}

	/**
	 * Serves the loaded model to a coordinator from inside the worker (see ServingWorkerApi): resolves with the
	 * first status once it is under way, then `onStatus` hears every change. Fails when the worker dies meanwhile.
	 */
	async serve(request: ServeRequest, onStatus: (status: ServeStatus) => void): Promise<ServeStatus> {
		const handle = this.handle;
		if (!handle || !this.loadedId) throw new LumenError('model_not_found', 'Load a model before serving it.', true, { i18n: errorText('error.text.noModel', { action: 'serve' }) });
		if (!handle.api.serve) throw new LumenError('bad_request', 'This runtime cannot serve its model to a coordinator.');
		try {
			return await Promise.race([handle.api.serve(request, Comlink.proxy(onStatus)), handle.crashed.then(throwIt)]);
		} catch (err) {
			throw rebuild(err, 'internal');
		}
	}

	/** Stops serving (a no-op when the worker is gone or never served). */
	async stopServing(): Promise<void> {
		await this.handle?.api.stopServing?.();
	}

	/** Resolves when this engine's current worker dies or is ended; null while none runs. */
	get gone(): Promise<LumenError> | null {
		return this.handle?.crashed ?? null;
	}

	/** Frees the model but keeps the worker; a no-op when nothing is loaded (a busy or dead worker is not asked). */
	async unload(): Promise<void> {
		const loaded = this.loadedId;
		this.loadedId = null;
		if (loaded) await this.handle?.api.unload();
	}

	/** Ends the worker at once; any load or stream still waiting on it fails instead of hanging. */
	terminate(): void {
		const handle = this.handle;
		this.handle = null;
		this.loadedId = null;
		if (!handle) return;
		handle.terminate();
		this.closeHandle?.(new LumenError('aborted', 'The model worker was closed.', true));
	}
}

function throwIt(e: LumenError): never {
	throw e;
}

/** Errors cross the worker boundary as plain data; rebuild them into LumenError here. */
function rebuild(err: unknown, fallback: Parameters<typeof toLumenError>[1]): LumenError {
	const data = LumenErrorDataSchema.safeParse(err);
	return data.success ? LumenError.fromData(data.data) : toLumenError(err, fallback);
}
