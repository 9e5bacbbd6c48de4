// Tiny deterministic byte-level BPE trainer (GPT-2 byte alphabet and pre-tokenizer regex),
// producing the vocab and merges that Transformers.js' BPE model replays at encode time.

/** GPT-2's reversible byte → printable unicode character table. */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
	const bs: number[] = [];
	for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
	for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
	for (let b = 0xae; b <= 0xff; b++) bs.push(b);
	const cs = bs.slice();
	let n = 0;
	for (let b = 0; b < 256; b++) {
		if (!bs.includes(b)) {
			bs.push(b);
			cs.push(256 + n);
			n++;
		}
	}
	const table: string[] = new Array(256);
	bs.forEach((b, i) => (table[b] = String.fromCharCode(cs[i])));
	return table;
})();

export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(
	BYTE_TO_UNICODE.map((c, b) => [c, b])
);

/** The GPT-2 split regex, identical to the ByteLevel pre-tokenizer of Transformers.js. */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Map a UTF-8 string to its byte-level unicode representation. */
export function toByteLevel(text: string): string {
	let out = '';
	for (const b of new TextEncoder().encode(text)) out += BYTE_TO_UNICODE[b];
	return out;
}

/** Inverse of `toByteLevel` for a token string: its raw bytes. */
export function tokenBytes(token: string): number[] {
	return [...token].map((c) => {
		const b = UNICODE_TO_BYTE.get(c);
		if (b === undefined) throw new Error(`not a byte-level token: ${JSON.stringify(token)}`);
		return b;
	});
}

export interface BpeResult {
	/** token string → id; ids 0..255 are the bytes (id = byte value), then merge results. */
	vocab: Map<string, number>;
	/** merges in rank order, each a pair of existing tokens. */
	merges: [string, string][];
}

/**
 * Train `numMerges` BPE merges on `corpus`. Ties between equally frequent pairs are broken by
 * plain string order of "left right", so the result depends only on the corpus text.
 */
export function trainBpe(corpus: string, numMerges: number): BpeResult {
	const counts = new Map<string, number>();
	for (const piece of corpus.match(GPT2_SPLIT) ?? []) {
		const w = toByteLevel(piece);
		counts.set(w, (counts.get(w) ?? 0) + 1);
	}
	// Sorted so iteration order (and therefore everything else) is independent of Map insertion.
	const words = [...counts.entries()]
		.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
		.map(([w, c]) => ({ symbols: [...w], count: c }));

	const vocab = new Map<string, number>();
	BYTE_TO_UNICODE.forEach((c, b) => vocab.set(c, b));
	const merges: [string, string][] = [];

	while (merges.length < numMerges) {
		const pairCounts = new Map<string, number>();
		for (const { symbols, count } of words) {
			for (let i = 0; i + 1 < symbols.length; i++) {
				const key = symbols[i] + ' ' + symbols[i + 1];
				pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
			}
		}
		let best: string | null = null;
		let bestCount = 1; // a pair must occur at least twice to be worth a merge
		for (const [key, c] of pairCounts) {
			if (c > bestCount || (c === bestCount && best !== null && key < best)) {
				best = key;
				bestCount = c;
			}
		}
		if (best === null) {
			throw new Error(`corpus too small: only ${merges.length} of ${numMerges} merges found`);
		}
		const [left, right] = best.split(' ') as [string, string];
		const merged = left + right;
		merges.push([left, right]);
		if (!vocab.has(merged)) vocab.set(merged, vocab.size);
		for (const word of words) {
			const s = word.symbols;
			const next: string[] = [];
			for (let i = 0; i < s.length; i++) {
				if (i + 1 < s.length && s[i] === left && s[i + 1] === right) {
					next.push(merged);
					i++;
				} else next.push(s[i]);
			}
			word.symbols = next;
		}
	}
	if (vocab.size !== 256 + numMerges) {
		// A merge produced an already-known string; keep counts simple for the caller.
		throw new Error(`BPE produced ${vocab.size - 256} new tokens for ${numMerges} merges`);
	}
	return { vocab, merges };
}
