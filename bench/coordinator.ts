// Relay overhead of the coordinator: the stub worker (fixed tokens at a fixed rate) hit directly and
// through the coordinator in the same run, at several numbers of concurrent streaming clients.
// Prints requests/s, p50/p99 time to first token, and the through/direct ratios. Loopback only.
// Usage: npm run bench:coordinator  (or: tsx bench/coordinator.ts --levels 1,16,64,256 --tokens 64 --interval-ms 20)
// Profile the coordinator with COORD_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { spawnStub, until } from '../coordinator/testing/processes';
import { cpuSeconds, fmt as f, pct, printTable, startCoordinatorProcess } from './support';

const { values } = parseArgs({
	options: {
		levels: { type: 'string', default: '1,16,64,256' },
		tokens: { type: 'string', default: '64' },
		'interval-ms': { type: 'string', default: '20' },
		rounds: { type: 'string', default: '3' },
		'max-seconds': { type: 'string', default: '30' }
	}
});
const LEVELS = values.levels.split(',').map(Number);
const TOKENS = Number(values.tokens);
const INTERVAL = Number(values['interval-ms']);
const ROUNDS = Number(values.rounds);
const MAX_MS = Number(values['max-seconds']) * 1000;
const SECRET = 'bench-secret';
const MODEL = 'lumen-stub';

type Result = { requests: number; errors: number; seconds: number; ttft: number[]; cpuPercent: number | null };

const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Tell me a story.' }], stream: true });
const CONTENT = '"content":"';

/** One streamed chat completion; returns ms to the first content token, or throws. */
async function oneStream(agent: Agent, base: string): Promise<number> {
	const start = performance.now();
	const res = await request(`${base}/chat/completions`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body,
		dispatcher: agent
	});
	if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${await res.body.text()}`);
	let ttft = -1;
	let tail = '';
	let tokens = 0;
	for await (const chunk of res.body) {
		const text = (chunk as Buffer).toString();
		if (ttft < 0) {
			const i = text.indexOf(CONTENT);
			if (i >= 0 && text[i + CONTENT.length] !== '"') ttft = performance.now() - start;
		}
		for (let i = text.indexOf(CONTENT); i >= 0; i = text.indexOf(CONTENT, i + 1)) tokens++;
		tail = (tail + text).slice(-32);
	}
	if (!tail.includes('[DONE]') || tokens !== TOKENS) throw new Error(`incomplete stream: ${tokens} tokens`);
	return ttft;
}

/**
 * `burst`: every client starts at once and, all streams being equally long, they stay in lockstep:
 * `clients` requests arrive together each round (a thundering herd, the worst case for a relay).
 * `steady`: client i starts i/clients of a stream's duration later, so arrivals are spread evenly.
 */
type Mode = 'burst' | 'steady';

async function runLevel(base: string, clients: number, mode: Mode, pid?: number): Promise<Result> {
	const total = clients === 1 ? Math.max(5, ROUNDS) : clients * ROUNDS;
	const agent = new Agent({ connections: clients, keepAliveTimeout: 30_000 });
	// Open the pool's connections first so connection setup is not charged to the measurement.
	await Promise.all(Array.from({ length: clients }, () => oneStream(agent, base).catch(() => 0)));
	const ttft: number[] = [];
	let started = 0;
	let errors = 0;
	const cpu0 = cpuSeconds(pid);
	const t0 = performance.now();
	const deadline = t0 + MAX_MS;
	const streamMs = INTERVAL * (TOKENS + 1);
	await Promise.all(
		Array.from({ length: clients }, async (_, i) => {
			if (mode === 'steady') await new Promise((r) => setTimeout(r, (i * streamMs) / clients));
			while (started < total && performance.now() < deadline) {
				started++;
				try {
					ttft.push(await oneStream(agent, base));
				} catch {
					errors++;
				}
			}
		})
	);
	const seconds = (performance.now() - t0) / 1000;
	const cpu1 = cpuSeconds(pid);
	await agent.close();
	return { requests: ttft.length, errors, seconds, ttft, cpuPercent: cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) / seconds) * 100 };
}

async function main() {
	const dbDir = mkdtempSync(join(tmpdir(), 'lumen-bench-'));
	const coordinator = await startCoordinatorProcess(dbDir, SECRET);
	const stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: MODEL, tokens: TOKENS, intervalMs: INTERVAL });
	try {
		await until(async () => (await fetch(`${coordinator.url}/v1/models`).then((r) => r.json())).data.length > 0, 10_000, 'registration');
		console.log(`Stub worker: ${TOKENS} tokens, one every ${INTERVAL} ms (first after ${INTERVAL} ms); ideal stream ≈ ${TOKENS * INTERVAL} ms.`);
		console.log(`Coordinator: separate process, dispatch shortest_queue, request log in SQLite (WAL). Node ${process.version}.\n`);
		// Warm both paths (JIT, pools) so the first level is not charged for it.
		for (const base of [stub.url, `${coordinator.url}/v1`]) await runLevel(base, 64, 'steady');
		const header = ['mode', 'clients', 'path', 'requests', 'errors', 'req/s', 'TTFT p50 ms', 'TTFT p99 ms', 'coord CPU %'];
		const rows: string[][] = [];
		const ratios: string[][] = [];
		for (const mode of ['steady', 'burst'] as const) {
			for (const clients of LEVELS) {
				const direct = await runLevel(stub.url, clients, mode);
				const through = await runLevel(`${coordinator.url}/v1`, clients, mode, coordinator.child.pid);
				for (const [name, r] of [['direct', direct], ['through', through]] as const)
					rows.push([mode, String(clients), name, String(r.requests), String(r.errors), f(r.requests / r.seconds), f(pct(r.ttft, 50)), f(pct(r.ttft, 99)), name === 'through' ? f(r.cpuPercent ?? NaN, 0) : '']);
				ratios.push([
					mode,
					String(clients),
					f(through.requests / through.seconds / (direct.requests / direct.seconds), 2),
					f(pct(through.ttft, 50) / pct(direct.ttft, 50), 2),
					f(pct(through.ttft, 99) / pct(direct.ttft, 99), 2)
				]);
			}
		}
		printTable(header, rows);
		console.log('\nThrough the coordinator ÷ direct (1.00 = no overhead; for req/s higher is better, for TTFT lower):');
		printTable(['mode', 'clients', 'req/s ratio', 'TTFT p50 ratio', 'TTFT p99 ratio'], ratios);
		for (const r of ratios.filter((x) => x[1] === '64'))
			console.log(`Goal (${r[0]}): p50 TTFT through ≤ 1.10× direct at 64 clients → ${r[3]}× ${Number(r[3]) <= 1.1 ? 'met' : 'NOT met'}`);
	} finally {
		await stub.kill('SIGKILL');
		coordinator.child.kill('SIGTERM');
		rmSync(dbDir, { recursive: true, force: true });
	}
}

await main();
