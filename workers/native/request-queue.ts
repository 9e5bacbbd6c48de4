// FIFO admission for generation requests: at most `maxConcurrency` run at once, the rest wait in
// arrival order. A waiter whose signal aborts (its client went away) leaves the line without running.
import { LumenError } from '#protocol/errors';

type Waiter = { grant: (release: () => void) => void; reject: (err: LumenError) => void; signal: AbortSignal; onAbort: () => void };

export class RequestQueue {
	private runningCount = 0;
	private readonly line: Waiter[] = [];
	private readonly listeners = new Set<() => void>();

	constructor(readonly maxConcurrency: number) {
		if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) throw new RangeError('maxConcurrency must be a positive integer');
	}

	get running(): number {
		return this.runningCount;
	}
	get waiting(): number {
		return this.line.length;
	}
	/** What the coordinator's dispatch wants: everything admitted and not yet finished. */
	get length(): number {
		return this.runningCount + this.line.length;
	}

	/** Resolves with a release function once a slot is free; rejects with `aborted` if the signal fires first. */
	acquire(signal: AbortSignal): Promise<() => void> {
		if (signal.aborted) return Promise.reject(new LumenError('aborted', 'The client went away while waiting.', true));
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
					reject(new LumenError('aborted', 'The client went away while waiting.', true));
				}
			};
			signal.addEventListener('abort', waiter.onAbort, { once: true });
			this.line.push(waiter);
			this.changed();
		});
	}

	/** Resolves when nothing runs and nothing waits. */
	idle(): Promise<void> {
		if (this.length === 0) return Promise.resolve();
		return new Promise((resolve) => {
			const check = () => {
				if (this.length === 0) {
					this.listeners.delete(check);
					resolve();
				}
			};
			this.listeners.add(check);
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
