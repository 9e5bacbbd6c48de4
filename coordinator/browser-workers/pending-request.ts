// One request dispatched to a browser worker, seen from the coordinator: the tab's messages for its id
// become what an HTTP worker would have answered (status, content type, body), so the proxy relays it with
// the same code as a native worker's (stream-to-client.ts): a stream of SSE bytes ending in `[DONE]`, a
// folded JSON answer for a non-streamed request, or an OpenAI error with the status its code maps to.
// Invariants: `answer` settles once; an error before the first chunk is an HTTP status, after it an in-band
// error event; a tab that goes away mid-stream makes the body fail, which the relay turns into `worker_crashed`.
import { Readable } from 'node:stream';
import type { RequestKind } from '#protocol/browser-worker';
import type { EmbeddingResponse } from '#protocol/embeddings';
import { LumenError, type LumenErrorData } from '#protocol/errors';
import type { ChatCompletionChunk, Usage } from '#protocol/openai';
import { statusOf, toOpenAIError } from '#protocol/openai-errors';
import { SSE_DONE, encodeSSE } from '#protocol/sse';
import { AsyncQueue } from '../../workers/runtime/async-queue';
import type { TextCompletionChunk } from '../../workers/runtime/choice-chunks';
import { foldChat, foldCompletion, shapeStream } from '../../workers/native/openai-shapes';

/** What a worker answered, as the proxy reads it from HTTP workers and browser workers alike. */
export type UpstreamAnswer = { statusCode: number; contentType: string; body: Readable };

type AnyChunk = ChatCompletionChunk | TextCompletionChunk;

const CHUNK_OBJECT: Record<Exclude<RequestKind, 'embeddings'>, AnyChunk['object']> = { chat: 'chat.completion.chunk', completion: 'text_completion' };

const json = (status: number, body: unknown): UpstreamAnswer => ({
	statusCode: status,
	contentType: 'application/json',
	body: Readable.from([Buffer.from(JSON.stringify(body))], { objectMode: false })
});

export class PendingRequest {
	/** Settles once: with the answer to relay, or rejected when the tab failed before answering. */
	readonly answer: Promise<UpstreamAnswer>;
	private resolveAnswer!: (a: UpstreamAnswer) => void;
	private rejectAnswer!: (e: Error) => void;
	private readonly chunks = new AsyncQueue<AnyChunk>();
	private started = false;
	private ended = false;
	private lastChunk: AnyChunk | null = null;
	private sawUsage = false;
	/** An error the tab reported after the first chunk: sent in-band before `[DONE]`. */
	private lateError: LumenErrorData | null = null;
	/** Set by the connection: a message for this request arrived (its idle timer restarts). */
	onActivity?: () => void;
	/** Set by the connection: the request ended, however (its timer and abort listener go). */
	onFinished?: () => void;

	constructor(
		readonly id: string,
		readonly kind: RequestKind,
		readonly stream: boolean
	) {
		this.answer = new Promise((resolve, reject) => {
			this.resolveAnswer = resolve;
			this.rejectAnswer = reject;
		});
		// Nobody may be listening yet (or any more); the proxy awaits `answer` itself.
		this.answer.catch(() => undefined);
		if (kind !== 'embeddings' && !stream) {
			const fold = kind === 'chat' ? foldChat(this.chunks as AsyncIterable<ChatCompletionChunk>) : foldCompletion(this.chunks as AsyncIterable<TextCompletionChunk>);
			fold.then(
				(body) => this.resolveAnswer(json(200, body)),
				(err: Error) => this.rejectAnswer(err)
			);
		}
	}

	/** True once the tab ended this request (done, result or error) or it failed. */
	get finished(): boolean {
		return this.ended;
	}

	/** Whether `chunk` is the kind of chunk this request produces (a chat chunk for chat, …). */
	accepts(chunk: AnyChunk): boolean {
		return this.kind !== 'embeddings' && chunk.object === CHUNK_OBJECT[this.kind];
	}

	chunk(chunk: AnyChunk): void {
		if (this.ended) return;
		if (chunk.usage) this.sawUsage = true;
		this.lastChunk = chunk;
		this.chunks.push(chunk);
		if (this.stream && !this.started) this.startStream();
	}

	done(usage: Usage | undefined): void {
		if (this.ended) return;
		// Usage reported only in `done`: it joins the stream as the chunk a worker would have sent it in.
		if (usage && !this.sawUsage && this.lastChunk) this.chunks.push({ ...this.lastChunk, choices: [], usage } as AnyChunk);
		this.ended = true;
		if (this.stream && !this.started) this.startStream();
		this.chunks.close();
	}

	result(body: EmbeddingResponse): void {
		if (this.ended) return;
		this.ended = true;
		this.resolveAnswer(json(200, body));
	}

	/** The tab reported a failure for this request. */
	error(data: LumenErrorData): void {
		if (this.ended) return;
		this.ended = true;
		if (this.started) {
			this.lateError = data;
			this.chunks.close();
			return;
		}
		const e = LumenError.fromData(data);
		this.resolveAnswer(json(statusOf(e.code), toOpenAIError(e, e.param)));
		this.chunks.close();
	}

	/** The tab went away, broke the protocol, or the request was cancelled: whatever is still running fails. */
	fail(reason: Error): void {
		// After done, result or error the answer is complete, even if its last bytes are still being relayed.
		if (this.ended) return;
		this.ended = true;
		this.rejectAnswer(reason);
		this.chunks.fail(reason);
	}

	private startStream(): void {
		this.started = true;
		const chunks = this.chunks;
		const lateError = () => this.lateError;
		async function* sse(): AsyncGenerator<Buffer> {
			// The coordinator always asks streams for usage (and drops the usage chunk again when the client did not).
			for await (const chunk of shapeStream(chunks, true)) yield Buffer.from(encodeSSE(chunk));
			const error = lateError();
			if (error) yield Buffer.from(encodeSSE(toOpenAIError(LumenError.fromData(error), error.param)));
			yield Buffer.from(SSE_DONE);
		}
		this.resolveAnswer({ statusCode: 200, contentType: 'text/event-stream; charset=utf-8', body: Readable.from(sse(), { objectMode: false }) });
	}
}
