// `lumen leaderboard`: the arena leaderboard from a FastChat battle file (JSON lines, or one JSON
// array like FastChat's clean_battle_*.json), computed as FastChat does (src/lib/rating).
// Results go to `out`; notes about skipped lines or a missing anchor go to `err`, so --json
// output stays machine-readable.
import { createReadStream } from 'node:fs';
import {
	availableCategories,
	computeLeaderboard,
	computeStyleControlLeaderboard,
	createBattleLineParser,
	filterCounted,
	filterBattles,
	parseBattlesJsonArray,
	type LeaderboardRow,
	type ParseResult,
	type StyleControlBoard
} from '#rating/index';

export type LeaderboardArgs = {
	battles: string;
	bootstrap?: number;
	json?: boolean;
	seed?: number;
	anchor?: string;
	anchorRating?: number;
	/** FastChat's contextual Bradley-Terry with style covariates, beside the raw rank. */
	styleControl?: boolean;
	/** full (default), multiturn, long_user, coding, or a language name (english, chinese, …). */
	category?: string;
	excludeModels?: string[];
	excludeTies?: boolean;
};

type Output = { write(chunk: string): unknown };

/** Stream the file; JSON lines are parsed as they arrive, an array file (first char '[') whole. */
export async function readBattleFile(path: string): Promise<ParseResult> {
	const lines = createBattleLineParser();
	let mode = 'unknown' as 'unknown' | 'lines' | 'array';
	let whole = '';
	const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>;
	try {
		for await (const chunk of stream) feed(chunk);
	} catch (e) {
		throw new Error(`cannot read battle file ${path}: ${(e as Error).message}`, { cause: e });
	}
	return mode === 'array' ? parseBattlesJsonArray(whole) : lines.end();

	function feed(chunk: string) {
		if (mode === 'unknown') {
			const first = chunk.search(/\S/);
			if (first === -1) {
				whole += chunk;
				return;
			}
			mode = chunk[first] === '[' ? 'array' : 'lines';
			if (mode === 'lines') lines.push(whole);
		}
		if (mode === 'array') whole += chunk;
		else lines.push(chunk);
	}
}

export async function runLeaderboard(args: LeaderboardArgs, out: Output = process.stdout, err: Output = process.stderr): Promise<LeaderboardRow[]> {
	return (await runLeaderboardCommand(args, out, err)).rows;
}

export type LeaderboardOutcome = { rows: LeaderboardRow[]; style?: StyleControlBoard };

export async function runLeaderboardCommand(args: LeaderboardArgs, out: Output = process.stdout, err: Output = process.stderr): Promise<LeaderboardOutcome> {
	if ((args.anchor === undefined) !== (args.anchorRating === undefined)) {
		throw new Error('--anchor and --anchor-rating go together: name the model and the rating it should have (FastChat: mixtral-8x7b-instruct-v0.1 at 1114).');
	}
	const bootstrap = args.bootstrap ?? 100;
	if (!Number.isInteger(bootstrap) || bootstrap < 0) throw new Error(`--bootstrap must be a whole number ≥ 0, got ${args.bootstrap}.`);

	const { battles: all, errors } = await readBattleFile(args.battles);
	if (errors.length > 0) {
		err.write(`Skipped ${errors.length} bad line(s) in ${args.battles}:\n`);
		for (const e of errors.slice(0, 5)) err.write(`  line ${e.line}: ${e.message}\n`);
		if (errors.length > 5) err.write(`  … and ${errors.length - 5} more\n`);
	}
	const category = args.category ?? 'full';
	let battles: typeof all;
	try {
		battles = filterBattles(all, { category, excludeModels: args.excludeModels, excludeTies: args.excludeTies });
	} catch (e) {
		const offered = availableCategories(filterCounted(all)).map((c) => `${c.name} (${c.battles})`);
		throw new Error(`${(e as Error).message} This file offers: ${offered.join(', ')}.`, { cause: e });
	}
	if (battles.length === 0 && category !== 'full') {
		const offered = availableCategories(filterCounted(all), 1).filter((c) => c.battles > 0).map((c) => `${c.name} (${c.battles})`);
		throw new Error(`no battle in ${args.battles} is in category "${category}" (after the filters). Categories with battles: ${offered.join(', ') || 'none'}.`);
	}
	for (const model of args.excludeModels ?? []) {
		if (!all.some((b) => b.model_a === model || b.model_b === model)) err.write(`Excluded model "${model}" is in no battle of ${args.battles}.\n`);
	}
	if (battles.length < all.length) {
		const why = [category !== 'full' ? `category ${category}` : '', args.excludeModels?.length ? 'excluded models' : '', args.excludeTies ? 'ties excluded' : '']
			.filter(Boolean)
			.join(', ');
		err.write(`Kept ${battles.length} of ${all.length} battle(s) (${why}).\n`);
	}
	const anonymous = filterCounted(battles).length;
	if (anonymous < battles.length)
		err.write(`Left out ${battles.length - anonymous} battle(s) that are named (anony: false) or flagged (identity_leak, answer_error, unfinished); ${anonymous} counted.\n`);
	const anchor = args.anchor !== undefined && args.anchorRating !== undefined ? { model: args.anchor, rating: args.anchorRating } : undefined;
	if (anchor && !battles.some((b) => b.anony !== false && (b.model_a === anchor.model || b.model_b === anchor.model))) {
		err.write(`Anchor model "${anchor.model}" has no counted battles; ratings are centred on a mean of 1000 instead.\n`);
	}

	if (args.styleControl) {
		const style = computeStyleControlLeaderboard(battles, { bootstrapRounds: bootstrap, seed: args.seed, anchor });
		if (style.leftOut > 0) {
			err.write(`Left out ${style.leftOut} battle(s) without conv_metadata (style control needs the answers' token and markdown counts); ${anonymous - style.leftOut} counted.\n`);
		}
		if (style.rows.length === 0) throw new Error(`no anonymous battle in ${args.battles} has conv_metadata, so there is nothing to fit with style control; drop --style-control for the raw board.`);
		out.write(args.json ? formatStyleJson(style) : formatStyleTable(style, bootstrap));
		const rows = style.rows.map((r): LeaderboardRow => ({ model: r.model, rating: r.rating, ci: r.ci, elo: NaN, votes: r.votes, rank: r.rank }));
		return { rows, style };
	}
	const rows = computeLeaderboard(battles, { bootstrapRounds: bootstrap, seed: args.seed, anchor });
	out.write(args.json ? formatJson(rows) : formatTable(rows, bootstrap));
	return { rows };
}

/** {"rows":[{"model","rating","ci","votes","rank","raw_rating","raw_rank","rank_change"}],"coefficients":[{"name","value","ci"}]} */
export function formatStyleJson(board: StyleControlBoard): string {
	const rows = board.rows.map((r) => ({
		model: r.model,
		rating: round2(r.rating),
		ci: [round2(r.ci[0]), round2(r.ci[1])],
		votes: r.votes,
		rank: r.rank,
		raw_rating: round2(r.rawRating),
		raw_rank: r.rawRank,
		rank_change: r.rankChange
	}));
	const coefficients = board.coefficients.map((c) => ({ name: c.name, value: round6(c.value), ci: [round6(c.ci[0]), round6(c.ci[1])] }));
	return JSON.stringify({ rows, coefficients }, null, 2) + '\n';
}

export function formatStyleTable(board: StyleControlBoard, bootstrap: number): string {
	if (board.rows.length === 0) return 'No anonymous battles to rate.\n';
	const header = ['Rank (SC)', 'Raw rank', 'Δ', 'Model', 'Rating (SC)', bootstrap > 0 ? '95% CI' : 'CI', 'Raw rating', 'Votes'];
	const cells = board.rows.map((r) => [
		String(r.rank),
		String(r.rawRank),
		r.rankChange > 0 ? `↑${r.rankChange}` : r.rankChange < 0 ? `↓${-r.rankChange}` : '=',
		r.model,
		r.rating.toFixed(0),
		bootstrap > 0 ? `+${(r.ci[1] - r.rating).toFixed(0)}/-${(r.rating - r.ci[0]).toFixed(0)}` : '-',
		r.rawRating.toFixed(0),
		String(r.votes)
	]);
	const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
	const line = (row: string[]) => row.map((cell, c) => (c === 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
	const coef = board.coefficients.map((c) => {
		const ci = bootstrap > 0 ? ` [${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]` : '';
		return `  ${c.name.padEnd(6)}  ${c.value >= 0 ? '+' : ''}${c.value.toFixed(3)}${ci}`;
	});
	return [line(header), ...cells.map(line), '', 'Style coefficients (log-odds per standard deviation of (a−b)/(a+b+1)):', ...coef].join('\n') + '\n';
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

const round2 = (x: number) => Math.round(x * 100) / 100;

/** One row per line: [{"model","rating","ci":[low,high],"elo","votes"}, …]. */
export function formatJson(rows: readonly LeaderboardRow[]): string {
	if (rows.length === 0) return '[]\n';
	const items = rows.map((r) =>
		JSON.stringify({ model: r.model, rating: round2(r.rating), ci: [round2(r.ci[0]), round2(r.ci[1])], elo: round2(r.elo), votes: r.votes })
	);
	return `[\n  ${items.join(',\n  ')}\n]\n`;
}

export function formatTable(rows: readonly LeaderboardRow[], bootstrap: number): string {
	if (rows.length === 0) return 'No anonymous battles to rate.\n';
	const header = ['Rank', 'Model', 'Rating', bootstrap > 0 ? '95% CI' : 'CI', 'Elo', 'Votes'];
	const cells = rows.map((r) => [
		String(r.rank),
		r.model,
		r.rating.toFixed(0),
		bootstrap > 0 ? `+${(r.ci[1] - r.rating).toFixed(0)}/-${(r.rating - r.ci[0]).toFixed(0)}` : '-',
		r.elo.toFixed(0),
		String(r.votes)
	]);
	const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
	const line = (row: string[]) => row.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
	return [line(header), ...cells.map(line)].join('\n') + '\n';
}
