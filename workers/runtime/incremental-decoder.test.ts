import { describe, expect, it } from 'vitest';
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
