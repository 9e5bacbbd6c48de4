// Dispatch policies as pure functions: given the eligible workers and a random source, choose one.
// No I/O and no clock, so dispatch costs microseconds and every policy is unit-testable.
import type { DispatchPolicy } from '../config';

export type Candidate = {
	id: string;
	/** Relative throughput; higher wins more lotteries and drains a queue faster. */
	speed: number;
	/** Last queue length the worker reported in a heartbeat. */
	queue_length: number;
	/** Requests this coordinator has sent and not yet seen finish. */
	in_flight: number;
};

/** A number in [0, 1), like Math.random; injected so tests are deterministic. */
export type Rng = () => number;

/** FastChat's lottery: each worker wins with probability proportional to its speed. */
export function pickLottery<T extends Candidate>(workers: readonly T[], rng: Rng): T | undefined {
	if (workers.length === 0) return undefined;
	const total = workers.reduce((sum, w) => sum + w.speed, 0);
	let ticket = rng() * total;
	for (const w of workers) {
		ticket -= w.speed;
		if (ticket < 0) return w;
	}
	return workers[workers.length - 1];
}

/**
 * The worker expected to finish its backlog first: (queue_length + in_flight) / speed. The heartbeat
 * queue is stale between beats, so our own in-flight count is what reacts to a burst. Ties are broken
 * at random so equal idle workers share load instead of the first one taking it all.
 */
export function pickShortestQueue<T extends Candidate>(workers: readonly T[], rng: Rng): T | undefined {
	let best: T[] = [];
	let bestScore = Infinity;
	for (const w of workers) {
		const score = (w.queue_length + w.in_flight) / w.speed;
		if (score < bestScore) {
			bestScore = score;
			best = [w];
		} else if (score === bestScore) best.push(w);
	}
	if (best.length <= 1) return best[0];
	return best[Math.min(best.length - 1, Math.floor(rng() * best.length))];
}

export function pick<T extends Candidate>(workers: readonly T[], policy: DispatchPolicy, rng: Rng): T | undefined {
	return policy === 'lottery' ? pickLottery(workers, rng) : pickShortestQueue(workers, rng);
}
