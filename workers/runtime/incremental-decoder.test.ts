import { describe, expect, it } from 'vitest';
import { seededRng } from '#rating/pairing';
import { IncrementalDecoder, findStop, partialStopLength } from './incremental-decoder';

// A toy byte-level "tokenizer": each id is one byte.
const decodeBytes = (ids: number[]) => new TextDecoder().decode(new Uint8Array(ids));

describe('IncrementalDecoder', () => {
	it('never emits half of a multi-byte character', () => {
		const bytes = [...new TextEncoder().encode('héllo €')];
		const d = new IncrementalDecoder(decodeBytes);
		const deltas = bytes.map((b) => d.push([b]));
		expect(deltas.join('') + d.flush()).toBe('héllo €');
		expect(deltas.some((x) => x.includes('\uFFFD'))).toBe(false);
		expect(deltas[1]).toBe(''); // first byte of é held back
	});

	it('decodes a long answer in linear total work, not quadratic', () => {
		let decodedIds = 0;
		const d = new IncrementalDecoder((ids) => {
			decodedIds += ids.length;
			return decodeBytes(ids);
		});
		const bytes = [...new TextEncoder().encode('the sea is wide and deep '.repeat(160))]; // 4000 tokens
		let text = '';
		for (const b of bytes) text += d.push([b]);
		text += d.flush();
		expect(text).toBe(decodeBytes(bytes));
		// Re-decoding everything each step would cost n²/2 = 8 million ids; a sliding window a few per token.
		expect(decodedIds).toBeLessThan(bytes.length * 8);
	});

	it('gives exactly the full decode on random multi-byte text cut into random tokens', () => {
		const rng = seededRng(7);
		const alphabet = ['a', 'z', ' ', 'é', 'ß', '€', '日本', '😀', '\u0301', 'Ω'];
		for (let round = 0; round < 50; round++) {
			let source = '';
			for (let i = 0; i < 200; i++) source += alphabet[Math.floor(rng() * alphabet.length)];
			const bytes = [...new TextEncoder().encode(source)];
			const d = new IncrementalDecoder(decodeBytes);
			const deltas: string[] = [];
			for (let i = 0; i < bytes.length; ) {
				const n = 1 + Math.floor(rng() * 4); // tokens of 1 to 4 bytes, often splitting a character
				deltas.push(d.push(bytes.slice(i, i + n)));
				i += n;
			}
			deltas.push(d.flush());
			expect(deltas.join('')).toBe(source);
			expect(deltas.some((x) => x.includes('\uFFFD'))).toBe(false);
		}
	});

	it('flush releases a sequence that never completed', () => {
		const d = new IncrementalDecoder(decodeBytes);
		d.push([0x68, 0xe2]);
		expect(d.flush()).toBe('\uFFFD');
	});
});

describe('stop strings', () => {
	it('finds the earliest stop', () => {
		expect(findStop('abc END xyz STOP', ['STOP', 'END'])).toBe(4);
		expect(findStop('abc', ['x'])).toBe(-1);
	});
	it('holds back a suffix that could start a stop string', () => {
		expect(partialStopLength('hello EN', ['END'])).toBe(2);
		expect(partialStopLength('hello', ['END'])).toBe(0);
	});
});
