// Turns a growing list of token ids into text deltas without ever emitting half a UTF-8 character:
// byte-level BPE tokens can split a character, which decodes to U+FFFD until the rest arrives.
// Only a window of recent ids is re-decoded per step (text-generation-inference's prefix/read
// offsets), so a long answer costs linear, not quadratic, decoding work.

export type Decode = (ids: number[]) => string;

export class IncrementalDecoder {
	private ids: number[] = [];
	/** Start of the window: the ids before it are final and never decoded again. */
	private prefixOffset = 0;
	/** ids[prefixOffset, readOffset) are context for the newer ids; their text was emitted. */
	private readOffset = 0;
	/** decode(ids[prefixOffset, readOffset)), kept so each step decodes the window only once. */
	private prefixText = '';
	/** Characters of the window's text beyond prefixText already emitted (before a held-back U+FFFD). */
	private emittedTail = 0;
	constructor(private readonly decode: Decode) {}

	/** Adds tokens and returns the text that became final (may be ''). */
	push(tokens: number[]): string {
		this.ids.push(...tokens);
		// Decoding the window with its context and dropping the context's text keeps whatever depends
		// on a neighbour (a SentencePiece leading space, a split byte sequence) as a full decode has it.
		const text = this.decode(this.ids.slice(this.prefixOffset));
		// Hold back a trailing replacement character: it is usually an incomplete multi-byte sequence.
		if (text.endsWith('\uFFFD')) return this.emitUpTo(text, text.length - 1);
		const delta = this.emitUpTo(text, text.length);
		this.prefixOffset = this.readOffset;
		this.readOffset = this.ids.length;
		this.prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
		this.emittedTail = 0;
		return delta;
	}

	/** Everything not yet emitted, including a trailing replacement character if it never completed. */
	flush(): string {
		if (this.readOffset === this.ids.length) return '';
		const text = this.decode(this.ids.slice(this.prefixOffset));
		return this.emitUpTo(text, text.length);
	}

	get tokenCount(): number {
		return this.ids.length;
	}

	private emitUpTo(text: string, end: number): string {
		const from = this.prefixText.length + this.emittedTail;
		if (end <= from) return '';
		this.emittedTail = end - this.prefixText.length;
		return text.slice(from, end);
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
