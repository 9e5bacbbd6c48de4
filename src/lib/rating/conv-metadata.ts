// The analysis fields of a vote, computed from the two conversations at vote time (in the browser,
// so the conversation itself need not be sent): FastChat's clean-battle `conv_metadata`, the
// language of the first prompt, and flags for the categories (coding, multi-turn, long prompt)
// and for FastChat's identity-leak rule (one rule: protocol/arena-integrity.ts `leakedIdentity`).
//
// - Token counts: FastChat counts with tiktoken's gpt-3.5-turbo encoding (cl100k_base,
//   allowed_special="all") in clean_battle_data.py. We use the same encoding through js-tiktoken;
//   its rank table is ~1 MB, so it is loaded on demand by `loadCl100kTokenCounter()` and every
//   function here takes the counter as an argument (any `(text) => number` works).
// - conv_metadata (the shape of FastChat's released battle data): sum_user_tokens (the user
//   turns, taken from conversation A: both sides share the prompts), sum_assistant_{a,b}_tokens
//   (all assistant turns of that side), context_{a,b}_tokens (every message of that side before
//   its last answer: the context the final answer was written to), turns (user turns).
// - Markdown counts (add_markdown_info.py): the assistant turns of a side joined with "\n", code
//   blocks removed first, then per-kind counts — header_count {h1..h6}, list_count {ordered,
//   unordered}, bold_count {"**", "__"} — with FastChat's regular expressions. FastChat's code
//   removal is copied with its quirk: `re.findall("```([^`]*)```")` yields the text between the
//   fences, and each such text is deleted everywhere in the answer, leaving the fences themselves.
// - Language: franc-min (ISO 639-3 code, offline), named in English like FastChat's polyglot
//   names ("English", "Chinese"); too little text is "unknown", as FastChat writes it.
import { franc } from 'franc-min';
import { leakedIdentity } from '../protocol/arena-integrity';
import type { ConvMetadata } from './battle';

export type Message = { role: 'system' | 'user' | 'assistant'; content: string };
export type TokenCounter = (text: string) => number;

/** cl100k_base, FastChat's encoding, loaded on first call (the table is large; keep it out of page bundles). */
export async function loadCl100kTokenCounter(): Promise<TokenCounter> {
	const [{ Tiktoken }, ranks] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/cl100k_base')]);
	const encoder = new Tiktoken(ranks.default);
	return (text) => (text === '' ? 0 : encoder.encode(text, 'all').length);
}

const CODE_BLOCK = /```([^`]*)```/g;

/** add_markdown_info.py's remove_pattern: delete each fenced block's inner text, everywhere. */
export function removeCodeBlocks(answer: string): string {
	const blocks = [...answer.matchAll(CODE_BLOCK)].map((m) => m[1]);
	let out = answer;
	for (const block of blocks) if (block !== '') out = out.split(block).join('');
	return out;
}

export type MarkdownCounts = {
	header_count: { h1: number; h2: number; h3: number; h4: number; h5: number; h6: number };
	list_count: { ordered: number; unordered: number };
	bold_count: { '**': number; __: number };
};

const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

/** add_markdown_info.py's count_markdown_elements (Python's Unicode \d and \s kept via the u flag). */
export function countMarkdownElements(text: string): MarkdownCounts {
	const header = (level: number) => count(text, new RegExp(`^#{${level}}\\s`, 'gmu'));
	return {
		header_count: { h1: header(1), h2: header(2), h3: header(3), h4: header(4), h5: header(5), h6: header(6) },
		list_count: { ordered: count(text, /^\s*\p{Nd}+\.\s/gmu), unordered: count(text, /^\s*[-*+]\s/gmu) },
		bold_count: { '**': count(text, /\*\*[^*\n]+\*\*/gu), __: count(text, /__[^_\n]+__/gu) }
	};
}

/** Sum of a count object, as FastChat's style features use it (an int is itself). */
export function totalCount(value: number | Record<string, number>): number {
	if (typeof value === 'number') return value;
	let s = 0;
	for (const v of Object.values(value)) s += v;
	return s;
}

function assistantText(conversation: readonly Message[]): string {
	return conversation
		.filter((m) => m.role === 'assistant')
		.map((m) => m.content)
		.join('\n');
}

function contextTokens(conversation: readonly Message[], tokens: TokenCounter): number {
	let last = conversation.length - 1;
	while (last >= 0 && conversation[last].role !== 'assistant') last--;
	let s = 0;
	for (let i = 0; i < (last < 0 ? conversation.length : last); i++) s += tokens(conversation[i].content);
	return s;
}

/** FastChat's conv_metadata for one battle. The conversations are OpenAI-format messages. */
export function computeConvMetadata(conversationA: readonly Message[], conversationB: readonly Message[], tokens: TokenCounter): ConvMetadata {
	const sum = (conv: readonly Message[], role: Message['role']) => conv.reduce((s, m) => (m.role === role ? s + tokens(m.content) : s), 0);
	const a = countMarkdownElements(removeCodeBlocks(assistantText(conversationA)));
	const b = countMarkdownElements(removeCodeBlocks(assistantText(conversationB)));
	return {
		sum_user_tokens: sum(conversationA, 'user'),
		sum_assistant_a_tokens: sum(conversationA, 'assistant'),
		sum_assistant_b_tokens: sum(conversationB, 'assistant'),
		context_a_tokens: contextTokens(conversationA, tokens),
		context_b_tokens: contextTokens(conversationB, tokens),
		turns: conversationA.filter((m) => m.role === 'user').length,
		header_count_a: a.header_count,
		list_count_a: a.list_count,
		bold_count_a: a.bold_count,
		header_count_b: b.header_count,
		list_count_b: b.list_count,
		bold_count_b: b.bold_count
	};
}

const languageNames = (() => {
	try {
		return new Intl.DisplayNames(['en'], { type: 'language' });
	} catch {
		return undefined;
	}
})();

/** Language of a prompt by English name ("English", "Chinese", …), or "unknown" (too short, undetermined). */
export function detectLanguage(text: string): string {
	const code = franc(text);
	if (code === 'und') return 'unknown';
	try {
		return languageNames?.of(code) ?? code;
	} catch {
		return code;
	}
}

// A prompt is about code when it holds a fenced block or at least two distinct code signals.
// Simple on purpose (the issue asks for a simple detector; FastChat's own tag is an LLM label).
const CODE_SIGNALS: RegExp[] = [
	/\b(def|class)\s+\w+\s*[(:]/, // Python
	/\bfunction\s*\w*\s*\(|=>\s*[{(]|\bconst\s+\w+\s*=/, // JavaScript
	/#include\s*[<"]|\bint\s+main\s*\(|\bstd::/, // C/C++
	/\bpublic\s+(static\s+)?(void|class)\b|System\.out\./, // Java
	/\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]*\b(FROM|INTO|SET|WHERE)\b/, // SQL
	/\b(import|from)\s+[\w.]+(\s+import\b|;|\s*$)/m, // imports
	/\b(print|console\.log|printf|println)\s*\(/,
	/[{};]\s*\n.*[{};]\s*$/m, // brace/semicolon lines
	/<\/?(div|span|html|body|script)\b/i, // HTML
	/\b(python|javascript|typescript|java|c\+\+|c#|golang|rust|sql|regex|bash|html|css|json|api|compile[rd]?|debug|stack trace|code|function|script|algorithm)\b/i // vocabulary
];

export function isCodingPrompt(text: string): boolean {
	if (/```/.test(text)) return true;
	let hits = 0;
	for (const re of CODE_SIGNALS) if (re.test(text) && ++hits >= 2) return true;
	return false;
}

export type VoteAnalysis = {
	turn: number;
	language: string;
	conv_metadata: ConvMetadata;
	is_code: boolean;
	identity_leak: boolean;
};

/** Every analysis field of a vote, from the two conversations (the same user turns on both sides). */
export function analyseBattle(
	conversationA: readonly Message[],
	conversationB: readonly Message[],
	tokens: TokenCounter,
	modelNames: readonly string[] = []
): VoteAnalysis {
	const userTurns = conversationA.filter((m) => m.role === 'user').map((m) => m.content);
	const conv_metadata = computeConvMetadata(conversationA, conversationB, tokens);
	return {
		// FastChat: turn = len(conversation_a) // 2
		turn: Math.floor(conversationA.filter((m) => m.role !== 'system').length / 2),
		language: detectLanguage(userTurns[0] ?? ''),
		conv_metadata,
		is_code: userTurns.some(isCodingPrompt),
		// One identity rule for the page, the coordinator and battle files (protocol/arena-integrity.ts).
		identity_leak: leakedIdentity([...conversationA, ...conversationB].map((m) => m.content), modelNames) !== null
	};
}
