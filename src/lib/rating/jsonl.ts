// Battle files: JSON lines (one battle per line, FastChat's shape) or one JSON array (FastChat's
// published clean_battle_*.json). Bad lines are skipped and reported with their line number; a
// file is never rejected whole for one bad vote. Pure: chunks come from fs in Node or
// File.stream() in the browser.
import { copyBattleExtras, toBattle, type Battle } from './battle';

export type ParseError = { line: number; message: string };
export type ParseResult = { battles: Battle[]; errors: ParseError[] };

export type BattleLineParser = {
	/** Feed the next piece of text; lines may be split anywhere across pieces. */
	push(chunk: string): void;
	/** Flush the last line (it needs no trailing newline) and return everything parsed. */
	end(): ParseResult;
};

export function createBattleLineParser(): BattleLineParser {
	const battles: Battle[] = [];
	const errors: ParseError[] = [];
	let rest = '';
	let lineNo = 0;

	const take = (raw: string) => {
		lineNo++;
		const line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
		if (line.trim() === '') return;
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch (e) {
			errors.push({ line: lineNo, message: `not valid JSON (${(e as Error).message})` });
			return;
		}
		const result = toBattle(value);
		if ('battle' in result) battles.push(result.battle);
		else errors.push({ line: lineNo, message: result.error });
	};

	return {
		push(chunk) {
			let nl = chunk.indexOf('\n');
			if (nl === -1) {
				rest += chunk;
				return;
			}
			take(rest + chunk.slice(0, nl));
			let start = nl + 1;
			while ((nl = chunk.indexOf('\n', start)) !== -1) {
				take(chunk.slice(start, nl));
				start = nl + 1;
			}
			rest = chunk.slice(start);
		},
		end() {
			if (rest !== '') take(rest);
			rest = '';
			return { battles, errors };
		}
	};
}

export function parseBattlesJsonl(text: string): ParseResult {
	const parser = createBattleLineParser();
	parser.push(text);
	return parser.end();
}

/** A JSON array of battles; errors name the 1-based position in the array as `line`. */
export function parseBattlesJsonArray(text: string): ParseResult {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		return { battles: [], errors: [{ line: 1, message: `not valid JSON (${(e as Error).message})` }] };
	}
	if (!Array.isArray(value)) return { battles: [], errors: [{ line: 1, message: 'expected a JSON array of battles' }] };
	const battles: Battle[] = [];
	const errors: ParseError[] = [];
	value.forEach((item, i) => {
		const result = toBattle(item);
		if ('battle' in result) battles.push(result.battle);
		else errors.push({ line: i + 1, message: `item ${i + 1}: ${result.error}` });
	});
	return { battles, errors };
}

/** Either format, told apart by the first non-blank character. */
export function parseBattleFile(text: string): ParseResult {
	return /^\s*\[/.test(text) ? parseBattlesJsonArray(text) : parseBattlesJsonl(text);
}

/** One battle per line with only the schema's fields (the analysis fields when present), newline-terminated. */
export function toJsonl(battles: readonly Battle[]): string {
	let out = '';
	for (const b of battles) {
		const { model_a, model_b, winner, anony, tstamp, turn } = b;
		out += JSON.stringify(copyBattleExtras(b, { model_a, model_b, winner, anony, tstamp, turn })) + '\n';
	}
	return out;
}
