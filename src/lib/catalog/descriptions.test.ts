// Every catalog model has its description in the message files, in both languages, and the English has
// one home (en.json): models.json carries none, so a translator edits descriptions with every other text.
import { describe, expect, it } from 'vitest';
import raw from './models.json' with { type: 'json' };
import { LOCALES, MESSAGES, messageText } from '../i18n/format';
import { catalog } from './catalog';
import { DESCRIPTION_KEYS, catalogDescription } from './descriptions';
import { webllmModels } from './webllm';

describe('catalog descriptions', () => {
	it.each(catalog.map((m) => m.id))('%s has catalog.<id>.description in en.json and zh-CN.json', (id) => {
		const key = `catalog.${id}.description`;
		expect((DESCRIPTION_KEYS as Record<string, string>)[id], `add '${id}': '${key}' to DESCRIPTION_KEYS in descriptions.ts`).toBe(key);
		for (const code of LOCALES) expect(MESSAGES[code][key], `${key} in ${code}.json`).toBeTruthy();
		expect(MESSAGES['zh-CN'][key]).not.toBe(MESSAGES.en[key]);
	});

	it('names no model the catalog lacks, and models.json holds no English copy', () => {
		expect(Object.keys(DESCRIPTION_KEYS).sort()).toEqual(catalog.map((m) => m.id).sort());
		expect(raw.filter((m) => 'description' in m).map((m) => m.id)).toEqual([]);
	});

	it('a model without a key reads "No description yet." rather than a raw id', () => {
		expect(messageText(catalogDescription('not-in-the-catalog'))).toBe('No description yet.');
		expect(messageText(catalogDescription('not-in-the-catalog'), 'zh-CN')).toBe('暂无介绍。');
	});

	it('reads in the chosen language, web-llm’s generated ones with their numbers', () => {
		const tiny = catalog.find((m) => m.id === 'lumen-tiny-a')!;
		expect(messageText(tiny.description)).toMatch(/^Built by this project with random weights/);
		expect(messageText(tiny.description, 'zh-CN')).toMatch(/随机权重/);
		const llama = webllmModels.find((m) => m.id === 'Llama-3.2-1B-Instruct-q4f32_1-MLC')!;
		expect(messageText(llama.description)).toMatch(/^MLC-compiled Llama-3\.2-1B-Instruct-q4f32_1 \(q4f32\) for WebGPU via web-llm; needs ~\d+ MB of GPU memory\.$/);
		expect(messageText(llama.description, 'zh-CN')).toMatch(/^经 MLC 编译的 Llama-3\.2-1B-Instruct-q4f32_1（q4f32）.*需要约 \d+ MB 显存。$/);
	});
});
