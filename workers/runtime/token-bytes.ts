// A token's text and raw bytes as OpenAI's logprobs report them. Decoding one token alone is lossy
// (half a UTF-8 character decodes to U+FFFD, SentencePiece drops a leading space), so the bytes come
// from the vocabulary entry: byte-level BPE spells each byte as one character, SentencePiece writes a
// space as U+2581 and raw bytes as <0xNN>. Text that is not valid UTF-8 is shown as OpenAI does: `bytes:\xNN`.
import type * as TF from '@huggingface/transformers';

export type TokenText = { token: string; bytes: number[] };

type Decoder = NonNullable<TF.PreTrainedTokenizer['_tokenizer']['decoder']>;

const cache = new WeakMap<TF.PreTrainedTokenizer, (id: number) => TokenText>();

/** A cached lookup from token id to its text and bytes for this tokenizer. */
export function tokenTexts(tokenizer: TF.PreTrainedTokenizer): (id: number) => TokenText {
	let lookup = cache.get(tokenizer);
	if (!lookup) {
		const inner = tokenizer._tokenizer;
		const added = inner.get_added_tokens_decoder();
		const byteDecoder = byteLevelOf(inner.decoder)?.byte_decoder;
		const known = new Map<number, TokenText>();
		lookup = (id) => {
			let text = known.get(id);
			if (!text) {
				const piece = added.get(id)?.content ?? inner.id_to_token(id) ?? '';
				const bytes = added.has(id) ? utf8(piece) : byteDecoder ? byteLevelBytes(piece, byteDecoder) : sentencePieceBytes(piece);
				text = { token: tokenString(bytes), bytes };
				known.set(id, text);
			}
			return text;
		};
		cache.set(tokenizer, lookup);
	}
	return lookup;
}

function byteLevelOf(decoder: Decoder | null): (Decoder & { byte_decoder: Record<string, number> }) | undefined {
	if (!decoder) return undefined;
	if ('byte_decoder' in decoder && decoder.config.type === 'ByteLevel') return decoder as Decoder & { byte_decoder: Record<string, number> };
	const inner = (decoder as { decoders?: Decoder[] }).decoders ?? [];
	for (const d of inner) {
		const found = byteLevelOf(d);
		if (found) return found;
	}
	return undefined;
}

function byteLevelBytes(piece: string, byteDecoder: Record<string, number | string>): number[] {
	const bytes: number[] = [];
	for (const ch of piece) {
		// @huggingface/tokenizers builds this table with string values ('32'), whatever its type says.
		const b = byteDecoder[ch];
		if (b === undefined) bytes.push(...utf8(ch));
		else bytes.push(Number(b));
	}
	return bytes;
}

function sentencePieceBytes(piece: string): number[] {
	const raw = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
	return raw ? [parseInt(raw[1], 16)] : utf8(piece.replaceAll('\u2581', ' '));
}

const encoder = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });

function utf8(text: string): number[] {
	return Array.from(encoder.encode(text));
}

function tokenString(bytes: number[]): string {
	try {
		return strict.decode(Uint8Array.from(bytes));
	} catch {
		return 'bytes:' + bytes.map((b) => '\\x' + b.toString(16).padStart(2, '0')).join('');
	}
}
