import { describe, expect, it } from 'vitest';
import { finishNote } from './finish-note';

describe('finishNote', () => {
	it('explains the endings a reader would otherwise not see, and says nothing for a plain one', () => {
		expect(finishNote('length')).toMatch(/token limit/);
		expect(finishNote('content_filter')).toMatch(/content filter/);
		expect(finishNote('tool_calls')).toMatch(/call a tool/);
		for (const plain of ['stop', 'abort', 'error', null, undefined] as const) expect(finishNote(plain)).toBeNull();
	});
});
