// Token text and raw bytes for logprobs, for the two vocabulary spellings real models use: byte-level BPE
// (the tiny test models, GPT-2, Llama 3, Qwen) and SentencePiece with byte fallback (Llama 2, Mistral, Phi-3).
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, PreTrainedTokenizer, env } from '@huggingface/transformers';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { tokenTexts } from './token-bytes';

describe('byte-level BPE (lumen-tiny-a)', async () => {
	env.allowRemoteModels = false;
	env.allowLocalModels = true;
	env.localModelPath = ensureModels() + '/';
	const tokenizer = await AutoTokenizer.from_pretrained('lumen-tiny-a');
	const text = tokenTexts(tokenizer);
	const vocab = tokenizer.get_vocab() as Map<string, number>;

	it('gives a word token its leading space and UTF-8 bytes', () => {
		expect(text(vocab.get('Ġthe')!)).toEqual({ token: ' the', bytes: [32, 116, 104, 101] });
	});

	it('gives a lone byte of a multi-byte character its raw byte, shown as OpenAI shows invalid UTF-8', () => {
		// 'Ã' spells byte 0xC3 in GPT-2's table: the first half of a two-byte character.
		expect(text(vocab.get('Ã')!)).toEqual({ token: 'bytes:\\xc3', bytes: [0xc3] });
	});

	it('spells a special token as written', () => {
		expect(text(511)).toEqual({ token: '<|im_end|>', bytes: Array.from(new TextEncoder().encode('<|im_end|>')) });
	});

	it('agrees with the tokenizer: the bytes of a sentence\'s tokens decode to the sentence', () => {
		const sentence = 'The sea is calm, é and 水.';
		const ids = (tokenizer(sentence, { return_tensor: false }) as unknown as { input_ids: number[] }).input_ids;
		expect(new TextDecoder().decode(Uint8Array.from(ids.flatMap((id) => text(id).bytes)))).toBe(sentence);
	});
});

describe('SentencePiece with byte fallback', () => {
	const tokenizer = new PreTrainedTokenizer(
		{
			version: '1.0',
			added_tokens: [{ id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
			normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
			pre_tokenizer: null,
			post_processor: null,
			decoder: {
				type: 'Sequence',
				decoders: [
					{ type: 'Replace', pattern: { String: '▁' }, content: ' ' },
					{ type: 'ByteFallback' },
					{ type: 'Fuse' },
					{ type: 'Strip', content: ' ', start: 1, stop: 0 }
				]
			},
			model: {
				type: 'BPE',
				byte_fallback: true,
				fuse_unk: true,
				unk_token: '<unk>',
				vocab: { '<unk>': 0, '<s>': 1, '</s>': 2, '<0xE2>': 3, '<0x82>': 4, '<0xAC>': 5, '▁': 6, t: 7, h: 8, e: 9, '▁t': 10, '▁th': 11, '▁the': 12 },
				merges: ['▁ t', '▁t h', '▁th e']
			}
		},
		{ eos_token: '</s>', bos_token: '<s>', unk_token: '<unk>' }
	);
	const text = tokenTexts(tokenizer);

	it('turns ▁ into a space', () => {
		expect(text(12)).toEqual({ token: ' the', bytes: [32, 116, 104, 101] });
	});

	it('gives a <0xNN> piece its one raw byte', () => {
		expect(text(3)).toEqual({ token: 'bytes:\\xe2', bytes: [0xe2] });
		expect([3, 4, 5].flatMap((id) => text(id).bytes)).toEqual(Array.from(new TextEncoder().encode('€')));
	});

	it('spells a special token as written', () => {
		expect(text(2)).toEqual({ token: '</s>', bytes: Array.from(new TextEncoder().encode('</s>')) });
	});
});
