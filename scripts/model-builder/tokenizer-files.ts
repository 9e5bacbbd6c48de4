// Builds the Hugging Face `tokenizer.json` / `tokenizer_config.json` objects for the test
// models: byte-level BPE trained on the embedded corpus, ChatML special tokens and template.
import { trainBpe, type BpeResult } from './bpe-trainer';

export const CHATML_TEMPLATE =
	"{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}" +
	"{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

export interface TokenizerSpec {
	vocabSize: number;
	specialTokens: string[];
	bosToken: string;
	eosToken: string;
	padToken: string;
	modelMaxLength: number;
}

export interface BuiltTokenizer {
	bpe: BpeResult;
	/** id → token string for the whole vocabulary, specials included. */
	idToToken: string[];
	specialIds: Record<string, number>;
	bosId: number;
	eosId: number;
	padId: number;
	tokenizerJson: object;
	tokenizerConfig: object;
}

const cache = new Map<string, BuiltTokenizer>();

/** Train (memoized per corpus + spec) and assemble the tokenizer files. */
export function buildTokenizer(corpus: string, spec: TokenizerSpec): BuiltTokenizer {
	const key = JSON.stringify(spec) + '\u0000' + corpus;
	const hit = cache.get(key);
	if (hit) return hit;

	const numMerges = spec.vocabSize - 256 - spec.specialTokens.length;
	if (numMerges < 0) throw new Error('vocabSize too small for 256 bytes + specials');
	const bpe = trainBpe(corpus, numMerges);
	const idToToken: string[] = new Array(spec.vocabSize);
	for (const [tok, id] of bpe.vocab) idToToken[id] = tok;
	const specialIds: Record<string, number> = {};
	spec.specialTokens.forEach((t, i) => {
		const id = bpe.vocab.size + i;
		specialIds[t] = id;
		idToToken[id] = t;
	});
	const idOf = (t: string) => {
		const id = specialIds[t];
		if (id === undefined) throw new Error(`${t} is not a special token`);
		return id;
	};

	const addedTokens = spec.specialTokens.map((content) => ({
		id: specialIds[content],
		content,
		single_word: false,
		lstrip: false,
		rstrip: false,
		normalized: false,
		special: true
	}));
	const vocabObj: Record<string, number> = {};
	idToToken.forEach((t, id) => (vocabObj[t] = id));

	const tokenizerJson = {
		version: '1.0',
		truncation: null,
		padding: null,
		added_tokens: addedTokens,
		normalizer: null,
		pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
		post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
		decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
		model: {
			type: 'BPE',
			dropout: null,
			unk_token: null,
			continuing_subword_prefix: null,
			end_of_word_suffix: null,
			fuse_unk: false,
			byte_fallback: false,
			ignore_merges: false,
			vocab: vocabObj,
			merges: bpe.merges.map(([a, b]) => `${a} ${b}`)
		}
	};

	const addedTokensDecoder: Record<string, object> = {};
	for (const { id, ...rest } of addedTokens) addedTokensDecoder[String(id)] = rest;
	const tokenizerConfig = {
		add_bos_token: false,
		add_eos_token: false,
		add_prefix_space: false,
		added_tokens_decoder: addedTokensDecoder,
		additional_special_tokens: spec.specialTokens.filter(
			(t) => t !== spec.bosToken && t !== spec.padToken
		),
		bos_token: spec.bosToken,
		chat_template: CHATML_TEMPLATE,
		clean_up_tokenization_spaces: false,
		eos_token: spec.eosToken,
		errors: 'replace',
		model_max_length: spec.modelMaxLength,
		pad_token: spec.padToken,
		split_special_tokens: false,
		tokenizer_class: 'PreTrainedTokenizerFast',
		unk_token: null
	};

	const built: BuiltTokenizer = {
		bpe,
		idToToken,
		specialIds,
		bosId: idOf(spec.bosToken),
		eosId: idOf(spec.eosToken),
		padId: idOf(spec.padToken),
		tokenizerJson,
		tokenizerConfig
	};
	cache.set(key, built);
	return built;
}
