import { describe, expect, it } from 'vitest';
import { FrameBuffer } from './stream-buffer';

describe('FrameBuffer', () => {
	it('coalesces many deltas into one write per frame', () => {
		const writes: string[] = [];
		const frames: (() => void)[] = [];
		const buf = new FrameBuffer((t) => writes.push(t), (cb) => frames.push(cb));
		buf.push('a');
		buf.push('b');
		buf.push('c');
		expect(frames).toHaveLength(1);
		expect(writes).toEqual([]);
		frames[0]();
		expect(writes).toEqual(['abc']);
		buf.push('d');
		expect(frames).toHaveLength(2);
	});

	it('flush writes pending text immediately and never writes empty text', () => {
		const writes: string[] = [];
		const buf = new FrameBuffer((t) => writes.push(t), () => undefined);
		buf.flush();
		buf.push('');
		buf.push('x');
		buf.flush();
		expect(writes).toEqual(['x']);
	});
});
