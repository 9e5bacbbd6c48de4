import { describe, expect, it } from 'vitest';
import { finishNote } from './finish-note';
import en from '$lib/i18n/messages/en.json' with { type: 'json' };

describe('finishNote', () => {
	it('explains the endings a reader would otherwise not see, and says nothing for a plain one', () => {
		expect(en[finishNote('length')!]).toMatch(/token limit/);
		expect(en[finishNote('content_filter')!]).toMatch(/content filter/);
		expect(en[finishNote('tool_calls')!]).toMatch(/call a tool/);
		for (const plain of ['stop', 'abort', 'error', null, undefined] as const) expect(finishNote(plain)).toBeNull();
	});
});
