// What the answer and judge runners share: the chat function they are given, retries with backoff, a
// bounded pool of concurrent calls, and which failures stop a whole run.
import { LumenError, stopped, toLumenError } from '../protocol/errors';
import type { ChatMessage } from '../protocol/openai';

export type ChatOptions = { temperature: number; maxTokens: number; signal?: AbortSignal };
/**
 * One chat completion: the messages in, the assistant's whole text out. The browser passes a local engine
 * or a remote one, Node passes `openAIChat(new OpenAIClient(…), model)`. Throw a LumenError on failure;
 * `retryable: true` ones are retried.
 */
export type ChatFn = (messages: ChatMessage[], options: ChatOptions) => Promise<string>;

export type RetryOptions = {
	/** Further attempts after the first (default 4). */
	retries?: number;
	/** Wait before the first retry, doubled each time up to maxBackoffMs (defaults 1000 and 30000). */
	backoffMs?: number;
	maxBackoffMs?: number;
	/** Told before each wait (for a log line). */
	onRetry?: (info: { attempt: number; delayMs: number; error: LumenError }) => void;
};

/** Errors that would fail every other call too (a refused key, a model the server lacks) end the run. */
const FATAL = new Set(['unauthorized', 'model_not_found', 'aborted']);
export function isFatal(err: LumenError): boolean {
	return FATAL.has(err.code);
}

export function abortedError(signal: AbortSignal | undefined): LumenError {
	const reason: unknown = signal?.reason;
	return reason instanceof LumenError ? reason : stopped();
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(abortedError(signal));
		const onAbort = () => {
			clearTimeout(timer);
			reject(abortedError(signal));
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

/** `fn`, tried again after a growing wait while it fails with a retryable error. Throws the last error as a LumenError. */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions & { signal?: AbortSignal } = {}): Promise<T> {
	const retries = options.retries ?? 4;
	let delay = options.backoffMs ?? 1000;
	for (let attempt = 0; ; attempt++) {
		if (options.signal?.aborted) throw abortedError(options.signal);
		try {
			return await fn();
		} catch (raw) {
			if (options.signal?.aborted) throw abortedError(options.signal);
			const err = toLumenError(raw);
			if (!err.retryable || isFatal(err) || attempt >= retries) throw err;
			options.onRetry?.({ attempt: attempt + 1, delayMs: delay, error: err });
			await sleep(delay, options.signal);
			delay = Math.min(delay * 2, options.maxBackoffMs ?? 30_000);
		}
	}
}

/**
 * Runs `work` on every item with at most `parallel` at a time, in order of the list. `work` handles the
 * failures it can live with; anything it throws stops the pool (in-flight calls see `signal` abort) and is
 * rethrown once the running ones have settled.
 */
export async function runPool<T>(items: readonly T[], parallel: number, work: (item: T, signal: AbortSignal) => Promise<void>, outer?: AbortSignal): Promise<void> {
	const stop = new AbortController();
	const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
	let next = 0;
	let failure: { error: unknown } | undefined;
	const lane = async () => {
		while (!failure && !signal.aborted && next < items.length) {
			const item = items[next++];
			try {
				await work(item, signal);
			} catch (error) {
				if (!failure) failure = { error };
				stop.abort(toLumenError(error));
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, lane));
	if (outer?.aborted) throw abortedError(outer);
	if (failure) throw toLumenError(failure.error);
}

/** Appends one at a time, in call order, so lines never interleave and a failed append is not lost silently. */
export function serialWriter<T>(append: (record: T) => Promise<void> | void): { write(record: T): Promise<void> } {
	let chain: Promise<void> = Promise.resolve();
	return {
		write(record) {
			const result = chain.then(() => append(record));
			chain = result.catch(() => undefined);
			return result;
		}
	};
}

const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** A 22-character id from shortuuid's alphabet, like FastChat's `answer_id`. */
export function shortId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(22));
	let id = '';
	for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
	return id;
}

/** FastChat's `tstamp`: seconds since the epoch, with a fraction. */
export const nowSeconds = (): number => Date.now() / 1000;
