// MT-bench judging speed: the built-in lumen-sample bench (answers from two made-up models) judged through
// `lumen mtbench judge`'s code path (bench folder on disk, the one OpenAI client, real HTTP) by a scripted
// judge that answers after a fixed 200 ms, at parallelism 1 and 16, in one run. Prints wall time, the
// speed-up, and the ratio to the ideal (calls × 200 ms / parallelism); the goal is within 1.3×.
// The judge runs in its own process, as a real judge is another machine; 16 warm-up calls open the connections first.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OpenAIClient } from '#protocol/openai-client';
import { benchPaths, builtinBenchFiles, lumenSample, openAIChat, toJsonl, type Mode } from '#mtbench/index';
import { runJudge } from '../bin/mtbench/run-judge';
import { fmt, printTable } from './support';

const DELAY_MS = 200;
const MODELS = ['model-x', 'model-y'];
const MODES: Mode[] = ['single', 'pairwise-all'];
const PARALLEL = [1, 16];

function makeBench(dir: string): void {
	for (const [path, text] of Object.entries(builtinBenchFiles())) {
		mkdirSync(dirname(join(dir, path)), { recursive: true });
		writeFileSync(join(dir, path), text);
	}
	for (const model of MODELS) {
		const answers = lumenSample().questions.map((q) => ({ question_id: q.question_id, answer_id: `${model}-${q.question_id}`, model_id: model, choices: [{ index: 0, turns: q.turns.map((t) => `${model} on: ${t.slice(0, 40)}`) }], tstamp: 0 }));
		mkdirSync(join(dir, benchPaths.answers), { recursive: true });
		writeFileSync(join(dir, benchPaths.answer(model)), toJsonl(answers));
	}
}

const server = spawn(process.execPath, ['--import', 'tsx', 'bench/mtbench-judge-server.ts', '--delay-ms', String(DELAY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
const judgeUrl = await new Promise<string>((resolve, reject) => {
	let out = '';
	server.stdout!.on('data', (d: Buffer) => {
		out += d.toString();
		const m = /scripted judge on (\S+)/.exec(out);
		if (m) resolve(m[1]);
	});
	server.once('exit', (code) => reject(new Error(`the scripted judge exited (${code})`)));
});
const warmUp = openAIChat(new OpenAIClient({ url: judgeUrl }), 'scripted');
await Promise.all(Array.from({ length: 16 }, () => warmUp([{ role: 'user', content: 'warm-up' }], { temperature: 0, maxTokens: 8 })));
const root = mkdtempSync(join(tmpdir(), 'lumen-bench-mtbench-'));
const rows: string[][] = [];
const wall = new Map<string, number>();
const sink = { write: () => true };
try {
	console.log(`MT-bench judging: ${lumenSample().name} (${lumenSample().questions.length} questions × 2 turns), ${MODELS.length} models, scripted judge answering after ${DELAY_MS} ms\n`);
	for (const mode of MODES) {
		for (const parallel of PARALLEL) {
			const dir = join(root, `${mode}-${parallel}`);
			makeBench(dir);
			const started = performance.now();
			const outcome = await runJudge({ benchDir: dir, judgeModel: 'scripted', judgeUrl, mode, parallel }, sink);
			const seconds = (performance.now() - started) / 1000;
			if (outcome.failed || outcome.written === 0) throw new Error(`${mode} at parallelism ${parallel}: ${outcome.failed} failed, ${outcome.written} written`);
			const ideal = (outcome.calls * DELAY_MS) / 1000 / parallel;
			wall.set(`${mode}-${parallel}`, seconds);
			rows.push([mode, String(parallel), String(outcome.calls), fmt(seconds, 2), fmt(ideal, 2), `${fmt(seconds / ideal, 2)}×`, seconds / ideal <= 1.3 ? 'yes' : 'NO']);
		}
	}
	printTable(['mode', 'parallel', 'judge calls', 'wall s', 'ideal s', 'ratio to ideal', 'within 1.3×'], rows);
	console.log('');
	for (const mode of MODES) {
		const speedup = wall.get(`${mode}-1`)! / wall.get(`${mode}-16`)!;
		console.log(`${mode}: speed-up ${fmt(speedup, 1)}× from parallelism 1 to 16 (ideal 16×)`);
	}
} finally {
	server.kill('SIGTERM');
	rmSync(root, { recursive: true, force: true });
}
