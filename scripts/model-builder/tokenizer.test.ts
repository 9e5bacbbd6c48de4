// Tokenizer checks: BPE training is deterministic and self-consistent, special tokens are
// single ids, and Transformers.js round-trips arbitrary UTF-8 through the written tokenizer.json.
import { AutoTokenizer, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BYTE_TO_UNICODE, toByteLevel, trainBpe } from './bpe-trainer';
import { loadCatalogue } from './model-spec';
import { mulberry32 } from './prng';
import { ensureModels } from './test-support';
import { buildTokenizer, CHATML_TEMPLATE } from './tokenizer-files';

const cat = loadCatalogue();
const tok = buildTokenizer(cat.corpus, cat.tokenizer);

describe('BPE vocabulary', () => {
	it('has 256 byte tokens, merges and the specials, with contiguous ids', () => {
		expect(tok.idToToken).toHaveLength(cat.tokenizer.vocabSize);
		expect(new Set(tok.idToToken).size).toBe(cat.tokenizer.vocabSize);
		BYTE_TO_UNICODE.forEach((c, b) => expect(tok.idToToken[b]).toBe(c));
		const vocab = (tok.tokenizerJson as { model: { vocab: Record<string, number> } }).model.vocab;
		expect(Object.values(vocab).sort((a, b) => a - b)).toEqual([...Array(cat.tokenizer.vocabSize).keys()]);
		expect(tok.specialIds).toEqual({ '<|endoftext|>': 509, '<|im_start|>': 510, '<|im_end|>': 511 });
	});

	it('merges are valid: both parts exist before the merge and the result is in the vocab', () => {
		const known = new Set(BYTE_TO_UNICODE);
		for (const [a, b] of tok.bpe.merges) {
			expect(known.has(a) && known.has(b), `${a} ${b}`).toBe(true);
			expect(tok.bpe.vocab.has(a + b)).toBe(true);
			known.add(a + b);
		}
		const merges = (tok.tokenizerJson as { model: { merges: string[] } }).model.merges;
		expect(merges).toEqual(tok.bpe.merges.map(([a, b]) => `${a} ${b}`));
	});

	it('training is deterministic and learns common words as single tokens', () => {
		const again = trainBpe(cat.corpus, tok.bpe.merges.length);
		expect(again.merges).toEqual(tok.bpe.merges);
		for (const word of [' the', ' and', ' you', ' people', ' computer', ' model']) {
			expect(tok.bpe.vocab.has(toByteLevel(word)), word).toBe(true);
		}
	});

	it('fails loudly when the corpus cannot supply enough merges', () => {
		expect(() => trainBpe('tiny corpus', 50)).toThrow(/corpus too small/);
	});
});

describe('Transformers.js tokenizer from tokenizer.json', () => {
	const saved = { allowRemoteModels: env.allowRemoteModels, localModelPath: env.localModelPath };
	let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
	beforeAll(async () => {
		env.allowRemoteModels = false;
		env.localModelPath = ensureModels() + '/';
		tokenizer = await AutoTokenizer.from_pretrained('lumen-tiny-a');
	});
	afterAll(() => void Object.assign(env, saved));

	const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: false });

	it('encodes each special token to a single id', () => {
		for (const [t, id] of Object.entries(tok.specialIds)) expect(encode(t)).toEqual([id]);
		expect(encode('<|im_start|>user\nhi<|im_end|>\n')).toEqual([
			510,
			...encode('user\nhi'),
			511,
			...encode('\n')
		]);
		expect(tokenizer.eos_token_id).toBe(511);
		expect(tokenizer.pad_token_id).toBe(509);
	});

	it('matches the builder BPE on corpus words', () => {
		expect(encode(' people')).toEqual([tok.bpe.vocab.get(toByteLevel(' people'))]);
		expect(encode('The computer')).toHaveLength(2);
	});

	it('round-trips arbitrary UTF-8 text', () => {
		const fixed = [
			'Hello, world!',
			'spaces  before , punctuation . and  double  spaces ',
			"don't isn't we'll they're",
			'Tabs\tnew\nlines\r\nand \u0000 control \u001b chars',
			'Ünïcödé — “quotes” 中文 日本語 한국어 العربية עברית',
			'emoji 👩‍💻🚀🏳️‍🌈 and combining é',
			'   leading and trailing   ',
			'<|im_start|', // not quite a special token
			'1234567890 3.14159 -42'
		];
		const rand = mulberry32(7);
		for (let n = 0; n < 30; n++) {
			let s = '';
			for (let i = 0; i < 40; i++) {
				const r = rand();
				const cp =
					r < 0.5 ? 0x20 + Math.floor(rand() * 95) : r < 0.8 ? Math.floor(rand() * 0xd7ff) : 0x10000 + Math.floor(rand() * 0xfffff);
				s += String.fromCodePoint(cp);
			}
			fixed.push(s);
		}
		for (const text of fixed) {
			const ids = encode(text);
			expect(tokenizer.decode(ids), JSON.stringify(text)).toBe(text);
		}
	});

	it('applies the ChatML chat template', () => {
		expect(tokenizer.chat_template).toBe(CHATML_TEMPLATE);
		const messages = [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi there' }
		];
		const text = tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
		expect(text).toBe(
			'<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n'
		);
		const noPrompt = tokenizer.apply_chat_template(messages, { tokenize: false });
		expect(noPrompt).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n');
	});
});

describe('a model built without a chat template (lumen-tiny-vicuna)', () => {
	it("has tiny-a's weights and tokenizer but no chat_template, so Transformers.js alone cannot chat with it", async () => {
		const saved = { allowRemoteModels: env.allowRemoteModels, localModelPath: env.localModelPath };
		try {
			env.allowRemoteModels = false;
			env.localModelPath = ensureModels() + '/';
			const vicuna = await AutoTokenizer.from_pretrained('lumen-tiny-vicuna');
			const a = await AutoTokenizer.from_pretrained('lumen-tiny-a');
			expect(vicuna.chat_template ?? null).toBeNull();
			expect(vicuna.encode('Hello <|im_end|> world')).toEqual(a.encode('Hello <|im_end|> world'));
			expect(() => vicuna.apply_chat_template([{ role: 'user', content: 'Hi' }], { tokenize: false })).toThrow(/chat_template is not set/);
		} finally {
			Object.assign(env, saved);
		}
		const spec = (id: string) => cat.models.find((m) => m.id === id)!;
		const { id: _a, description: _da, chatTemplate, ...vicunaShape } = spec('lumen-tiny-vicuna');
		const { id: _b, description: _db, ...aShape } = spec('lumen-tiny-a');
		expect(chatTemplate).toBe(false);
		expect(vicunaShape).toEqual(aShape);
	});
});
