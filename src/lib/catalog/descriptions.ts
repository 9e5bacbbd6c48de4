// The catalog's descriptions live in the message files (`catalog.<model id>.description` in en.json and
// zh-CN.json), so a translator edits them with every other text and English has one home. This map names
// each key literally: a typo is a type error, and descriptions.test.ts fails when a catalog model has none.
import type { Message, MessageKey } from '../i18n/format';

export const DESCRIPTION_KEYS = {
	'lumen-tiny-a': 'catalog.lumen-tiny-a.description',
	'lumen-tiny-b': 'catalog.lumen-tiny-b.description',
	'lumen-bench': 'catalog.lumen-bench.description',
	'smollm2-135m-instruct': 'catalog.smollm2-135m-instruct.description',
	'smollm2-360m-instruct': 'catalog.smollm2-360m-instruct.description',
	'qwen2.5-0.5b-instruct': 'catalog.qwen2.5-0.5b-instruct.description',
	'qwen2.5-1.5b-instruct': 'catalog.qwen2.5-1.5b-instruct.description',
	'llama-3.2-1b-instruct': 'catalog.llama-3.2-1b-instruct.description',
	'phi-3.5-mini-instruct': 'catalog.phi-3.5-mini-instruct.description'
} as const satisfies Record<string, MessageKey>;

/** The description of the catalog model `id`: its own message, or "No description yet." (the test catches that). */
export function catalogDescription(id: string): Message {
	const key: MessageKey | undefined = (DESCRIPTION_KEYS as Record<string, MessageKey>)[id];
	return { id: key ?? 'catalog.noDescription' };
}
