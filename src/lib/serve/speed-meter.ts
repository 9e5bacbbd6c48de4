// Tokens/s over the last few generations: completion tokens divided by the time from a generation's
// start to its end, summed over a window, so one short answer does not swing the figure dispatch uses.

type Sample = { tokens: number; ms: number };

export class SpeedMeter {
	private readonly samples: Sample[] = [];

	constructor(
		private initial: number,
		private readonly window = 8
	) {}

	/** One finished generation: `tokens` generated in `ms` milliseconds. Tiny samples are ignored. */
	record(tokens: number, ms: number): void {
		if (!(tokens > 0) || !(ms > 0)) return;
		this.samples.push({ tokens, ms });
		if (this.samples.length > this.window) this.samples.shift();
	}

	/** Tokens per second; the initial (measured at load) figure until a generation finished. */
	get tokensPerSecond(): number {
		if (this.samples.length === 0) return this.initial;
		const tokens = this.samples.reduce((s, x) => s + x.tokens, 0);
		const ms = this.samples.reduce((s, x) => s + x.ms, 0);
		return tokens / (ms / 1000);
	}
}
