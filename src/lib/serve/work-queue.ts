// One line of work for one model: at most `maxConcurrency` requests run at once, the rest wait in arrival
// order, and a waiter whose signal aborts leaves the line without running. A serving tab puts the requests
// it serves and the person's own chats in the same line; a native worker admits its HTTP requests with it
// (workers/native/request-queue.ts). Pure TS: no DOM, no Node.
import { LumenError } from '../protocol/errors';

type Waiter = { grant: (release: () => void) => void; reject: (err: LumenError) => void; signal: AbortSignal; onAbort: () => void };

export class WorkQueue {
	private runningCount = 0;
	private readonly line: Waiter[] = [];
	private readonly listeners = new Set<() => void>();

	constructor(readonly maxConcurrency: number = 1) {
		if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) throw new RangeError('maxConcurrency must be a positive integer');
	}

	get running(): number {
		return this.runningCount;
	}
	get waiting(): number {
		return this.line.length;
	}
	/** Everything admitted and not yet finished: what the coordinator's dispatch weighs a worker by. */
	get length(): number {
		return this.runningCount + this.line.length;
	}

	/** Resolves with a release function once a slot is free; rejects with `aborted` if the signal fires first. */
	acquire(signal: AbortSignal): Promise<() => void> {
		if (signal.aborted) return Promise.reject(stopped());
		if (this.runningCount < this.maxConcurrency && this.line.length === 0) {
			this.runningCount += 1;
			this.changed();
			return Promise.resolve(this.releaser());
		}
		return new Promise((grant, reject) => {
			const waiter: Waiter = {
				grant,
				reject,
				signal,
				onAbort: () => {
					const i = this.line.indexOf(waiter);
					if (i === -1) return;
					this.line.splice(i, 1);
					this.changed();
					reject(stopped());
				}
			};
			signal.addEventListener('abort', waiter.onAbort, { once: true });
			this.line.push(waiter);
			this.changed();
		});
	}

	/** Runs `start` once a slot is free and holds the slot until its stream ends, fails or is abandoned. */
	async *stream<T>(signal: AbortSignal, start: (signal: AbortSignal) => AsyncIterable<T>): AsyncGenerator<T> {
		const release = await this.acquire(signal);
		try {
			yield* start(signal);
		} finally {
			release();
		}
	}

	/** Runs `work` once a slot is free, holding it until the promise settles. */
	async run<T>(signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
		const release = await this.acquire(signal);
		try {
			return await work(signal);
		} finally {
			release();
		}
	}

	/** Resolves when nothing runs and nothing waits. */
	idle(): Promise<void> {
		if (this.length === 0) return Promise.resolve();
		return new Promise((resolve) => {
			const off = this.onChange(() => {
				if (this.length > 0) return;
				off();
				resolve();
			});
		});
	}

	/** Called after every change of `length`; returns an unsubscribe function. */
	onChange(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private releaser(): () => void {
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.runningCount -= 1;
			const next = this.line.shift();
			if (next) {
				next.signal.removeEventListener('abort', next.onAbort);
				this.runningCount += 1;
				next.grant(this.releaser());
			}
			this.changed();
		};
	}

	private changed(): void {
		for (const listener of [...this.listeners]) listener();
	}
}

const stopped = () => new LumenError('aborted', 'The client went away while waiting.', true);
