// A push/pull queue that turns callbacks (a streamer's put) into an AsyncIterable.
// Invariant: items are yielded in push order; after close() or fail() the iterator ends once drained.

export class AsyncQueue<T> implements AsyncIterable<T> {
	private items: T[] = [];
	private waiting: ((r: IteratorResult<T>) => void) | null = null;
	private rejectWaiting: ((e: unknown) => void) | null = null;
	private closed = false;
	private error: unknown = undefined;

	push(item: T): void {
		if (this.closed) return;
		if (this.waiting) {
			const resolve = this.waiting;
			this.waiting = this.rejectWaiting = null;
			resolve({ value: item, done: false });
		} else this.items.push(item);
	}

	close(): void {
		this.closed = true;
		if (this.waiting) {
			const resolve = this.waiting;
			this.waiting = this.rejectWaiting = null;
			resolve({ value: undefined, done: true });
		}
	}

	fail(error: unknown): void {
		this.error = error;
		this.closed = true;
		if (this.rejectWaiting) {
			const reject = this.rejectWaiting;
			this.waiting = this.rejectWaiting = null;
			reject(error);
		}
	}

	async next(): Promise<IteratorResult<T>> {
		if (this.items.length) return { value: this.items.shift() as T, done: false };
		if (this.error !== undefined) throw this.error;
		if (this.closed) return { value: undefined, done: true };
		return new Promise((resolve, reject) => {
			this.waiting = resolve;
			this.rejectWaiting = reject;
		});
	}

	[Symbol.asyncIterator](): AsyncIterator<T> {
		return { next: () => this.next() };
	}
}
