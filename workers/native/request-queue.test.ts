// The FIFO admission queue: order, concurrency bound, length accounting, and dropping waiters whose client left.
import { describe, expect, it } from 'vitest';
import { RequestQueue } from './request-queue';

const never = () => new AbortController().signal;

describe('RequestQueue', () => {
	it('runs up to maxConcurrency at once and admits waiters in arrival order', async () => {
		const q = new RequestQueue(2);
		const order: string[] = [];
		const a = await q.acquire(never());
		const b = await q.acquire(never());
		const c = q.acquire(never()).then((r) => (order.push('c'), r));
		const d = q.acquire(never()).then((r) => (order.push('d'), r));
		expect([q.running, q.waiting, q.length]).toEqual([2, 2, 4]);
		b();
		b(); // releasing twice frees one slot only
		await c;
		expect([q.running, q.waiting]).toEqual([2, 1]);
		a();
		(await d)();
		(await c)();
		expect(order).toEqual(['c', 'd']);
		expect(q.length).toBe(0);
	});

	it('drops a waiter whose signal aborts, without running it', async () => {
		const q = new RequestQueue(1);
		const first = await q.acquire(never());
		const gone = new AbortController();
		const dropped = q.acquire(gone.signal);
		const next = q.acquire(never());
		gone.abort();
		await expect(dropped).rejects.toMatchObject({ code: 'aborted' });
		expect(q.waiting).toBe(1);
		first();
		(await next)();
		expect(q.length).toBe(0);
		await expect(q.acquire(gone.signal)).rejects.toMatchObject({ code: 'aborted' });
	});

	it('notifies on every change and resolves idle() once empty', async () => {
		const q = new RequestQueue(1);
		const lengths: number[] = [];
		q.onChange(() => lengths.push(q.length));
		const release = await q.acquire(never());
		const waiter = q.acquire(never());
		let idle = false;
		const idled = q.idle().then(() => (idle = true));
		release();
		(await waiter)();
		await idled;
		expect(idle).toBe(true);
		expect(lengths).toEqual([1, 2, 1, 0]);
	});
});
