// Turns a growing list of token ids into text deltas without ever emitting half a UTF-8 character:
// byte-level BPE tokens can split a character, which decodes to U+FFFD until the rest arrives.

export type Decode = (ids: number[]) => string;

export class IncrementalDecoder {
	private ids: number[] = [];
	private emitted = 0;
	constructor(private readonly decode: Decode) {}

	/** Adds tokens and returns the text that became final (may be ''). */
	push(tokens: number[]): string {
		this.ids.push(...tokens);
		const text = this.decode(this.ids);
		// Hold back a trailing replacement character: it is usually an incomplete multi-byte sequence.
		const stable = text.endsWith('\uFFFD') ? text.slice(0, text.lastIndexOf('\uFFFD')) : text;
		if (stable.length <= this.emitted) return '';
		const delta = stable.slice(this.emitted);
		this.emitted = stable.length;
		return delta;
	}

	/** Everything not yet emitted, including a trailing replacement character if it never completed. */
	flush(): string {
		const text = this.decode(this.ids);
		const delta = text.slice(this.emitted);
		this.emitted = text.length;
		return delta;
	}

	get tokenCount(): number {
		return this.ids.length;
	}
}

/** Finds the earliest stop string in `text`; returns its index or -1. */
export function findStop(text: string, stops: readonly string[]): number {
	let best = -1;
	for (const s of stops) {
		if (!s) continue;
		const i = text.indexOf(s);
		if (i !== -1 && (best === -1 || i < best)) best = i;
	}
	return best;
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string: text we must hold back. */
export function partialStopLength(text: string, stops: readonly string[]): number {
	let hold = 0;
	for (const s of stops) {
		for (let n = Math.min(s.length - 1, text.length); n > hold; n--) {
			if (text.endsWith(s.slice(0, n))) {
				hold = n;
				break;
			}
		}
	}
	return hold;
}
