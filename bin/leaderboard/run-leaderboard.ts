// `lumen leaderboard`: the arena leaderboard from a FastChat battle file (JSON lines, or one JSON
// array like FastChat's clean_battle_*.json), computed as FastChat does (src/lib/rating).
// Results go to `out`; notes about skipped lines or a missing anchor go to `err`, so --json
// output stays machine-readable.
import { createReadStream } from 'node:fs';
import {
	computeLeaderboard,
	createBattleLineParser,
	filterAnonymous,
	parseBattlesJsonArray,
	type LeaderboardRow,
	type ParseResult
} from '#rating/index';

export type LeaderboardArgs = {
	battles: string;
	bootstrap?: number;
	json?: boolean;
	seed?: number;
	anchor?: string;
	anchorRating?: number;
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
	if ((args.anchor === undefined) !== (args.anchorRating === undefined)) {
		throw new Error('--anchor and --anchor-rating go together: name the model and the rating it should have (FastChat: mixtral-8x7b-instruct-v0.1 at 1114).');
	}
	const bootstrap = args.bootstrap ?? 100;
	if (!Number.isInteger(bootstrap) || bootstrap < 0) throw new Error(`--bootstrap must be a whole number ≥ 0, got ${args.bootstrap}.`);

	const { battles, errors } = await readBattleFile(args.battles);
	if (errors.length > 0) {
		err.write(`Skipped ${errors.length} bad line(s) in ${args.battles}:\n`);
		for (const e of errors.slice(0, 5)) err.write(`  line ${e.line}: ${e.message}\n`);
		if (errors.length > 5) err.write(`  … and ${errors.length - 5} more\n`);
	}
	const anonymous = filterAnonymous(battles).length;
	if (anonymous < battles.length) err.write(`Left out ${battles.length - anonymous} non-anonymous battle(s); ${anonymous} counted.\n`);
	const anchor = args.anchor !== undefined && args.anchorRating !== undefined ? { model: args.anchor, rating: args.anchorRating } : undefined;
	if (anchor && !battles.some((b) => b.anony !== false && (b.model_a === anchor.model || b.model_b === anchor.model))) {
		err.write(`Anchor model "${anchor.model}" has no counted battles; ratings are centred on a mean of 1000 instead.\n`);
	}

	const rows = computeLeaderboard(battles, { bootstrapRounds: bootstrap, seed: args.seed, anchor });
	out.write(args.json ? formatJson(rows) : formatTable(rows, bootstrap));
	return rows;
}

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
