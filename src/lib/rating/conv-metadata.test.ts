import { describe, expect, it } from 'vitest';
import {
	analyseBattle,
	computeConvMetadata,
	countMarkdownElements,
	detectLanguage,
	isCodingPrompt,
	loadCl100kTokenCounter,
	removeCodeBlocks,
	type Message
} from './conv-metadata';
import { parseBattlesJsonl, toJsonl } from './jsonl';

const tokens = await loadCl100kTokenCounter();

const answerA = [
	'# Title',
	'## Part',
	'Some **bold** and __also bold__ text.',
	'1. first',
	'2. second',
	'- bullet',
	'  * nested bullet',
	'```python',
	'# a comment, not a header',
	'- not a list',
	'**not bold**',
	'```',
	'#not a header (no space)'
].join('\n');

describe('markdown counts (add_markdown_info.py)', () => {
	it('counts per kind, with code blocks removed first', () => {
		expect(countMarkdownElements(removeCodeBlocks(answerA))).toEqual({
			header_count: { h1: 1, h2: 1, h3: 0, h4: 0, h5: 0, h6: 0 },
			list_count: { ordered: 2, unordered: 2 },
			bold_count: { '**': 1, __: 1 }
		});
		// Without the removal the block's lines would count.
		expect(countMarkdownElements(answerA).bold_count['**']).toBe(2);
	});

	it("removes a block's inner text everywhere, leaving the fences, as FastChat's remove_pattern does", () => {
		expect(removeCodeBlocks('x ```code``` y code')).toBe('x `````` y ');
	});
});

describe('conv_metadata', () => {
	it('has FastChat token counts (cl100k_base) and count objects per side', () => {
		const a: Message[] = [
			{ role: 'user', content: 'Hello there' },
			{ role: 'assistant', content: 'Hi! How can I help?' },
			{ role: 'user', content: 'Write a list' },
			{ role: 'assistant', content: answerA }
		];
		const b: Message[] = [a[0], { role: 'assistant', content: 'Hello.' }, a[2], { role: 'assistant', content: '- one\n- two' }];
		const meta = computeConvMetadata(a, b, tokens);
		// "Hello there" is 2 cl100k tokens, "Write a list" 3.
		expect(tokens('Hello there')).toBe(2);
		expect(meta.sum_user_tokens).toBe(5);
		expect(meta.sum_assistant_a_tokens).toBe(tokens(a[1].content) + tokens(answerA));
		expect(meta.sum_assistant_b_tokens).toBe(tokens('Hello.') + tokens('- one\n- two'));
		expect(meta.context_a_tokens).toBe(5 + tokens(a[1].content));
		expect(meta.context_b_tokens).toBe(5 + tokens('Hello.'));
		expect(meta.turns).toBe(2);
		expect(meta.list_count_b).toEqual({ ordered: 0, unordered: 2 });
		expect(meta.header_count_a).toEqual({ h1: 1, h2: 1, h3: 0, h4: 0, h5: 0, h6: 0 });
		expect(meta.bold_count_b).toEqual({ '**': 0, __: 0 });
	});

	it('names languages like FastChat and says unknown for too little text', () => {
		expect(detectLanguage('Can you explain how photosynthesis works in simple words for a child?')).toBe('English');
		expect(detectLanguage('请用简单的语言解释一下光合作用是如何进行的，谢谢你的帮助')).toBe('Chinese');
		expect(detectLanguage('Kannst du mir bitte erklären, wie die Photosynthese in einfachen Worten funktioniert?')).toBe('German');
		expect(detectLanguage('hi')).toBe('unknown');
	});

	it('tells coding prompts from others', () => {
		expect(isCodingPrompt('Why does this fail?\n```js\nfoo()\n```')).toBe(true);
		expect(isCodingPrompt('Write a Python function that reverses a string: def rev(s):')).toBe(true);
		expect(isCodingPrompt('Fix my SQL: SELECT name FROM users WHERE id = 3')).toBe(true);
		expect(isCodingPrompt('Write a poem about the sea at night.')).toBe(false);
		expect(isCodingPrompt('What is the capital of France?')).toBe(false);
	});

	it("flags FastChat's identity words and the models' own names", () => {
		const ask: Message = { role: 'user', content: 'who are you?' };
		expect(analyseBattle([ask, { role: 'assistant', content: 'I am ChatGPT.' }], [ask, { role: 'assistant', content: 'An assistant.' }], tokens).identity_leak).toBe(true);
		expect(analyseBattle([ask, { role: 'assistant', content: 'I am lumen-tiny-a.' }], [ask], tokens, ['lumen-tiny-a', 'lumen-tiny-b']).identity_leak).toBe(true);
		expect(analyseBattle([ask, { role: 'assistant', content: 'An assistant.' }], [ask], tokens, ['lumen-tiny-a']).identity_leak).toBe(false);
	});

	it('gives every analysis field, and a battle carrying them survives a JSON lines round trip', () => {
		const a: Message[] = [
			{ role: 'user', content: 'Write a JavaScript function that sums an array, please: function sum(xs) {}' },
			{ role: 'assistant', content: '**Sure**\n```js\nconst s = xs.reduce((p, q) => p + q, 0);\n```' }
		];
		const b: Message[] = [a[0], { role: 'assistant', content: '1. Loop\n2. Add' }];
		const analysis = analyseBattle(a, b, tokens, ['x', 'y']);
		expect(analysis).toMatchObject({ turn: 1, language: 'English', is_code: true, identity_leak: false });
		const battle = {
			model_a: 'x',
			model_b: 'y',
			winner: 'model_b' as const,
			anony: true,
			tstamp: 1_700_000_000.25,
			...analysis,
			judge: 'arena_user_3f2a9c',
			question_id: 'q-1',
			dedup_tag: { high_freq: false, sampled: true }
		};
		const text = toJsonl([battle]);
		expect(parseBattlesJsonl(text)).toEqual({ battles: [battle], errors: [] });
		expect(JSON.parse(text)).toEqual(battle);
	});
});
