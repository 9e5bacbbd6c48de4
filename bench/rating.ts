// How fast are the arena ratings (src/lib/rating) on arena-sized data, and are they right?
// Synthetic votes among 50 models with known true ratings (Bradley-Terry outcomes with ties),
// 100k and 1M battles, also written to a temporary JSON-lines file in FastChat's shape. Times
// (a) Bradley-Terry + 100 bootstrap rounds in memory and (b) the whole path from the file
// (read + parse + leaderboard incl. Elo, BT and 100 bootstrap rounds), each the median of 3 runs.
// Compared with FastChat's published-method timings quoted in the issue (Python is not runnable
// here) and with a same-run baseline: our own naive per-battle bootstrap on the 100k set.
// Usage: npm run bench:rating   (or: tsx bench/rating.ts --rounds 100 --models 50)
import { mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readBattleFile } from '../bin/leaderboard/run-leaderboard';
import { bootstrapBradleyTerry, computeLeaderboard, countPairs, fitBradleyTerry, indexBattles, toJsonl, toRatingScale, type Battle } from '#rating/index';
import { naiveBootstrap, naiveBradleyTerry } from '#rating/naive';
import { generateBattles } from '#rating/synthetic';
import { POINTS_PER_NAT } from '#rating/bradley-terry';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '100' }, models: { type: 'string', default: '50' } } });
const ROUNDS = Number(values.rounds);
const MODELS = Number(values.models);
// Reference figures quoted from the issue for FastChat's Python rating code on this kind of
// machine (1M battles, 50 models, 100 bootstrap rounds); not measured here.
const FASTCHAT_IN_MEMORY_1M_S = 5;
const FASTCHAT_FROM_FILE_1M_S = 20;

const seconds = (ms: number) => (ms / 1000).toFixed(3) + ' s';
function median3(run: () => void): number {
	const times: number[] = [];
	for (let i = 0; i < 3; i++) {
		const t = performance.now();
		run();
		times.push(performance.now() - t);
	}
	return times.sort((x, y) => x - y)[1];
}
async function median3Async(run: () => Promise<void>): Promise<number> {
	const times: number[] = [];
	for (let i = 0; i < 3; i++) {
		const t = performance.now();
		await run();
		times.push(performance.now() - t);
	}
	return times.sort((x, y) => x - y)[1];
}

function btWithBootstrap(battles: readonly Battle[]) {
	const counts = countPairs(indexBattles(battles));
	const theta = fitBradleyTerry(counts);
	const boot = bootstrapBradleyTerry(counts, theta, { rounds: ROUNDS, seed: 1 });
	return { models: counts.models, ratings: toRatingScale(theta, counts.models), boot };
}

function writeJsonl(path: string, battles: readonly Battle[]) {
	const fd = openSync(path, 'w');
	for (let k = 0; k < battles.length; k += 50_000) writeSync(fd, toJsonl(battles.slice(k, k + 50_000)));
	closeSync(fd);
}

console.log(`Arena ratings bench: ${MODELS} models, ${ROUNDS} bootstrap rounds, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
const dir = mkdtempSync(join(tmpdir(), 'lumen-rating-bench-'));
const results: Record<string, { inMemory: number; fromFile: number }> = {};
let inMemory100k = 0;
let set100k: Battle[] = [];
try {
	for (const size of [100_000, 1_000_000]) {
		const label = size === 1_000_000 ? '1M' : `${size / 1000}k`;
		const { battles, trueRatings } = generateBattles({ models: MODELS, battles: size, seed: 2024 + size });
		if (size === 100_000) set100k = battles;
		const file = join(dir, `battles-${label}.jsonl`);
		writeJsonl(file, battles);

		let fit = btWithBootstrap(battles);
		const inMemory = median3(() => {
			fit = btWithBootstrap(battles);
		});
		let rows = computeLeaderboard(battles, { bootstrapRounds: ROUNDS, seed: 1 });
		let parsedCount = 0;
		const fromFile = await median3Async(async () => {
			const parsed = await readBattleFile(file);
			parsedCount = parsed.battles.length;
			rows = computeLeaderboard(parsed.battles, { bootstrapRounds: ROUNDS, seed: 1 });
		});
		if (size === 100_000) inMemory100k = inMemory;
		results[label] = { inMemory, fromFile };

		let maxErr = 0;
		let meanWidth = 0;
		fit.models.forEach((m, i) => {
			maxErr = Math.max(maxErr, Math.abs(fit.ratings[i] - (trueRatings.get(m) as number)));
			meanWidth += (fit.boot.upper[i] - fit.boot.lower[i]) / fit.models.length;
		});
		const covered = rows.filter((r) => {
			const t = trueRatings.get(r.model) as number;
			return r.ci[0] <= t && t <= r.ci[1];
		}).length;
		console.log(`\n${label} battles (${(statSync(file).size / 1e6).toFixed(0)} MB JSONL, ${parsedCount} parsed back):`);
		console.log(`  (a) BT + ${ROUNDS} bootstrap, in memory:     ${seconds(inMemory)}`);
		console.log(`  (b) end to end from JSONL (read+parse+leaderboard): ${seconds(fromFile)}`);
		console.log(`  recovery of true ratings: max |fitted − true| = ${maxErr.toFixed(2)} points; mean 95% CI width ${meanWidth.toFixed(1)}; true rating inside CI for ${covered}/${rows.length} models`);
	}

	// Same-run baseline: resample every battle each round and fit by per-battle gradient ascent.
	const indexed = indexBattles(set100k);
	const t0 = performance.now();
	naiveBradleyTerry(indexed, { tolerance: 1e-7 });
	const naiveBoot = naiveBootstrap(indexed, { rounds: ROUNDS, seed: 1, tolerance: 1e-7 });
	const naiveMs = performance.now() - t0;
	const theta = naiveBradleyTerry(indexed, { tolerance: 1e-12 });
	const fast = btWithBootstrap(set100k);
	const mean = theta.reduce((s, x) => s + x, 0) / theta.length;
	let agree = 0;
	indexed.models.forEach((m, i) => {
		const j = fast.models.indexOf(m);
		agree = Math.max(agree, Math.abs(1000 + (theta[i] - mean) * POINTS_PER_NAT - fast.ratings[j]));
	});

	const width = (lower: Float64Array, upper: Float64Array) => upper.reduce((acc, u, i) => acc + u - lower[i], 0) / upper.length;

	console.log('\nSpeed-ups');
	console.log(`  same run, 100k: naive per-battle bootstrap (resample N battles, gradient-ascent refit) ${seconds(naiveMs)} vs ours ${seconds(inMemory100k)}: ${(naiveMs / inMemory100k).toFixed(0)}×`);
	console.log(`  naive and fast BT point ratings agree to ${agree.toExponential(2)} points on the 100k set;`);
	console.log(`  mean 95% CI width: naive per-battle bootstrap ${width(naiveBoot.lower, naiveBoot.upper).toFixed(2)}, multinomial bootstrap ${width(fast.boot.lower, fast.boot.upper).toFixed(2)} points`);
	console.log(`  vs FastChat reference figures (quoted from the issue, not measured here: ${FASTCHAT_IN_MEMORY_1M_S} s in memory, ${FASTCHAT_FROM_FILE_1M_S} s from JSONL, 1M battles):`);
	console.log(`    (a) in memory, 1M:    ${seconds(results['1M'].inMemory)} → ${((FASTCHAT_IN_MEMORY_1M_S * 1000) / results['1M'].inMemory).toFixed(0)}× faster`);
	console.log(`    (b) from JSONL, 1M:   ${seconds(results['1M'].fromFile)} → ${((FASTCHAT_FROM_FILE_1M_S * 1000) / results['1M'].fromFile).toFixed(1)}× faster`);
} finally {
	rmSync(dir, { recursive: true, force: true });
}
