// Reconnect delays: exponential (initial × factor^attempt, capped) with "equal jitter" (half fixed, half
// random), so a coordinator restart is not met by every tab at the same instant, yet no tab retries at once.

export type BackoffOptions = { initialMs: number; maxMs: number; factor: number };

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2 };

/** The delay before reconnect attempt `attempt` (0 for the first retry); `random` is in [0, 1). */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = DEFAULT_BACKOFF): number {
	const ceiling = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
	return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
