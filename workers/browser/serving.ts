// Serving from inside the Transformers.js Web Worker: the WebSocket to the coordinator and the generations it
// asks for live here, beside the model, so a tab in the background keeps serving (pages are throttled, this
// worker is not). The person's own chats and embeddings wait in the same WorkQueue as served requests, so the
// one model runs one generation at a time and the coordinator is told the true queue length.
import { BrowserWorkerClient, type ServeStatus, type SocketConstructor } from '#serve/browser-worker-client';
import { ServeRequestSchema, type ServeRequest } from '#serve/serving-worker-api';
import { WorkQueue } from '#serve/work-queue';
import { LumenError, toLumenError } from '#protocol/errors';
import type { WorkerLoadSpec } from '#protocol/worker-api';
import { measureSpeed } from '../runtime/measure-speed';
import { runtimeServeEngine } from '../runtime/serve-engine';
import { chatFormat } from '../runtime/transformers-chat-prompt';
import type { LoadedTextModel } from '../runtime/transformers-chat';

export type ServableModel = LoadedTextModel & { spec: WorkerLoadSpec };

export class WorkerServing {
	/** Served requests and the person's own, together (one generation at a time). */
	readonly queue = new WorkQueue(1);
	private client: BrowserWorkerClient | null = null;
	/** Stops the speed measurement of a serve() that was overtaken by stop() or another serve(). */
	private starting: AbortController | null = null;

	/** `WebSocket`: the worker's global by default (tests on Node 20, which has none, pass the `ws` package's). */
	constructor(private readonly WebSocketImpl: SocketConstructor = globalThis.WebSocket) {}

	get active(): boolean {
		return this.client !== null || this.starting !== null;
	}

	async start(loaded: ServableModel | null, raw: ServeRequest, onStatus: (s: ServeStatus) => void): Promise<ServeStatus> {
		const parsed = ServeRequestSchema.safeParse(raw);
		if (!parsed.success) throw new LumenError('bad_request', parsed.error.issues[0]?.message ?? 'Invalid serve request.');
		if (!loaded) throw new LumenError('model_not_found', 'Load a model before serving it.');
		await this.stop();
		const request = parsed.data;
		const starting = new AbortController();
		this.starting = starting;
		try {
			// Measured in the queue, so it never runs beside the person's own answer and skews both.
			const speed = await this.queue.run(starting.signal, async () => measureSpeed(loaded));
			if (this.starting !== starting) throw new LumenError('aborted', 'Serving was stopped before it started.', true);
			// Chats are formatted as the chat page formats them: by the repository id, as FastChat matches a model path.
			const format = chatFormat({ modelId: loaded.spec.repo, tokenizer: loaded.tokenizer });
			const client = new BrowserWorkerClient({
				WebSocket: this.WebSocketImpl,
				coordinatorUrl: request.coordinatorUrl,
				token: request.token,
				engine: runtimeServeEngine(loaded, { format, modelId: loaded.spec.modelId }),
				speed,
				queue: this.queue,
				label: request.label ?? describeTab(loaded.spec),
				onStatus: (s) => {
					// The page may be gone (closed, reloaded): serving goes on without it.
					Promise.resolve(onStatus(s)).catch(() => undefined);
				}
			});
			this.client = client;
			client.start();
			return client.status;
		} catch (err) {
			throw toLumenError(err, 'internal');
		} finally {
			if (this.starting === starting) this.starting = null;
		}
	}

	/** Closes the connection; served requests in progress are stopped and end with an error for their clients. */
	async stop(): Promise<void> {
		this.starting?.abort();
		this.starting = null;
		const client = this.client;
		this.client = null;
		await client?.stop();
	}
}

/** "Chrome 131, WASM, fp32": what the coordinator's operators see in GET /workers. */
function describeTab(spec: WorkerLoadSpec): string {
	const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
	const browser = /(Firefox|Edg|Chrome|Safari)\/(\d+)/.exec(ua);
	const name = browser ? `${browser[1] === 'Edg' ? 'Edge' : browser[1]} ${browser[2]}` : 'Browser';
	return `${name}, ${spec.device === 'webgpu' ? 'WebGPU' : 'WASM'}, ${spec.dtype}`;
}
