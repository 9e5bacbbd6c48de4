// Soak: sustained concurrent streams through the coordinator, watching errors, throughput, time to first
// token and the coordinator's memory. Two phases in one run:
//   1. 256 concurrent streams to the stub worker (fixed tokens at a fixed rate) for --seconds,
//      after a short baseline of the same load sent to the stub directly (the relay's cost as a ratio);
//   2. 8 concurrent streams to the real onnx worker (lumen-tiny-a on onnxruntime-node) for --seconds.
// RSS is sampled every second; "flat" means the last sample is within 10 % of the sample taken after
// warm-up. Loopback only; every loop is bounded in time.
// Usage: npm run bench:soak  (or: tsx bench/soak.ts --seconds 60 --stub-clients 256 --onnx-clients 8)
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { spawnStub, until } from '../coordinator/testing/processes';
import { spawnWorker } from '../workers/native/test-support';
import { fmt, pct, printTable, rssBytes, startCoordinatorProcess } from './support';

const { values } = parseArgs({
	options: {
		seconds: { type: 'string', default: '60' },
		'warmup-seconds': { type: 'string', default: '10' },
		'baseline-seconds': { type: 'string', default: '15' },
		'stub-clients': { type: 'string', default: '256' },
		'onnx-clients': { type: 'string', default: '8' },
		'onnx-max-tokens': { type: 'string', default: '32' }
	}
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values['warmup-seconds']);
const BASELINE = Number(values['baseline-seconds']);
const STUB_CLIENTS = Number(values['stub-clients']);
const ONNX_CLIENTS = Number(values['onnx-clients']);
const ONNX_MAX_TOKENS = Number(values['onnx-max-tokens']);
const SECRET = 'soak-secret';
const STUB_TOKENS = 64;
const STUB_INTERVAL_MS = 20;

type Phase = { requests: number; errors: number; errorSamples: string[]; seconds: number; ttft: number[]; rss: { t: number; bytes: number }[] };

/** One streamed chat completion; resolves with ms to the first content token, rejects on any fault. */
async function oneStream(agent: Agent, base: string, body: string, signal: AbortSignal): Promise<number> {
	const start = performance.now();
	const res = await request(`${base}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher: agent, signal });
	if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
	let ttft = -1;
	let tail = '';
	for await (const chunk of res.body) {
		const text = (chunk as Buffer).toString();
		if (ttft < 0 && /"content":"[^"]/.test(text)) ttft = performance.now() - start;
		if (text.includes('"error"')) throw new Error(`in-band error: ${text.slice(0, 200)}`);
		tail = (tail + text).slice(-32);
	}
	if (!tail.includes('[DONE]')) throw new Error('stream ended without [DONE]');
	return ttft < 0 ? performance.now() - start : ttft;
}

/** `clients` loops, each starting its next stream when the last ends, for `seconds`; samples RSS of `pid`. */
async function run(base: string, body: string, clients: number, seconds: number, pid?: number): Promise<Phase> {
	const agent = new Agent({ connections: clients, keepAliveTimeout: 30_000 });
	const phase: Phase = { requests: 0, errors: 0, errorSamples: [], seconds: 0, ttft: [], rss: [] };
	const t0 = performance.now();
	const stop = AbortSignal.timeout(seconds * 1000 + 30_000); // a hung stream cannot hold the bench forever
	setMaxListeners(clients * 2, stop);
	const sample = () => {
		const bytes = rssBytes(pid);
		if (bytes !== null) phase.rss.push({ t: (performance.now() - t0) / 1000, bytes });
	};
	sample();
	const sampler = pid === undefined ? undefined : setInterval(sample, 1000);
	const deadline = t0 + seconds * 1000;
	await Promise.all(
		Array.from({ length: clients }, async (_, i) => {
			await new Promise((r) => setTimeout(r, (i * 50) % 1000)); // spread the starts over a second
			while (performance.now() < deadline) {
				try {
					phase.ttft.push(await oneStream(agent, base, body, stop));
					phase.requests++;
				} catch (err) {
					phase.errors++;
					if (phase.errorSamples.length < 3) phase.errorSamples.push((err as Error).message);
				}
			}
		})
	);
	phase.seconds = (performance.now() - t0) / 1000;
	if (sampler) clearInterval(sampler);
	sample();
	await agent.close();
	return phase;
}

const mb = (bytes: number) => fmt(bytes / 2 ** 20, 1);

/** RSS after warm-up and at the end, and their ratio (1.00 = flat). */
function rssSummary(phase: Phase): { warm: number; end: number; peak: number; ratio: number } {
	const warm = phase.rss.find((s) => s.t >= WARMUP)?.bytes ?? phase.rss[0]?.bytes ?? NaN;
	const end = phase.rss.at(-1)?.bytes ?? NaN;
	const peak = Math.max(...phase.rss.map((s) => s.bytes));
	return { warm, end, peak, ratio: end / warm };
}

function row(name: string, p: Phase, start: number | null): string[] {
	const r = rssSummary(p);
	return [
		name,
		String(p.requests),
		String(p.errors),
		fmt(p.requests / p.seconds),
		fmt(pct(p.ttft, 50)),
		fmt(pct(p.ttft, 99)),
		start === null ? '' : mb(start),
		p.rss.length ? mb(r.warm) : '',
		p.rss.length ? mb(r.peak) : '',
		p.rss.length ? mb(r.end) : '',
		p.rss.length ? fmt(r.ratio, 2) : ''
	];
}

async function main() {
	const dbDir = mkdtempSync(join(tmpdir(), 'lumen-soak-'));
	const coordinator = await startCoordinatorProcess(dbDir, SECRET);
	const pid = coordinator.child.pid;
	const rssAtStart = rssBytes(pid);
	const stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: 'lumen-stub', tokens: STUB_TOKENS, intervalMs: STUB_INTERVAL_MS });
	const onnx = await spawnWorker(['--model', 'lumen-tiny-a', '--coordinator', coordinator.url, '--secret', SECRET, '--threads', '1']);
	try {
		const models = async () => ((await fetch(`${coordinator.url}/v1/models`).then((r) => r.json())) as { data: { id: string }[] }).data.map((m) => m.id);
		await until(async () => (await models()).includes('lumen-stub') && (await models()).includes('lumen-tiny-a'), 60_000, 'both workers registered');
		console.log(`Coordinator: its own process (pid ${pid}), SQLite request log. Node ${process.version}, ${SECONDS} s per phase, RSS warm-up ${WARMUP} s.`);
		console.log(`Stub worker: ${STUB_TOKENS} tokens, one every ${STUB_INTERVAL_MS} ms. onnx worker: lumen-tiny-a fp32, 1 thread, max_tokens ${ONNX_MAX_TOKENS}.\n`);

		const stubBody = JSON.stringify({ model: 'lumen-stub', messages: [{ role: 'user', content: 'Tell me a story.' }], stream: true });
		const onnxBody = JSON.stringify({
			model: 'lumen-tiny-a',
			messages: [{ role: 'user', content: 'Tell me a story about a lighthouse.' }],
			stream: true,
			max_tokens: ONNX_MAX_TOKENS,
			temperature: 0.7
		});
		const direct = await run(stub.url, stubBody, STUB_CLIENTS, BASELINE);
		const stubPhase = await run(`${coordinator.url}/v1`, stubBody, STUB_CLIENTS, SECONDS, pid);
		const onnxPhase = await run(`${coordinator.url}/v1`, onnxBody, ONNX_CLIENTS, SECONDS, pid);

		printTable(
			['phase', 'requests', 'errors', 'req/s', 'TTFT p50 ms', 'TTFT p99 ms', 'RSS start MB', 'RSS warm MB', 'RSS peak MB', 'RSS end MB', 'end/warm'],
			[
				row(`stub direct, ${STUB_CLIENTS} clients (baseline)`, direct, null),
				row(`stub via coordinator, ${STUB_CLIENTS} clients`, stubPhase, rssAtStart),
				row(`onnx via coordinator, ${ONNX_CLIENTS} clients`, onnxPhase, stubPhase.rss.at(-1)?.bytes ?? null)
			]
		);
		for (const [name, p] of [['direct', direct], ['stub', stubPhase], ['onnx', onnxPhase]] as const)
			for (const e of p.errorSamples) console.log(`  ${name} error: ${e}`);
		const errors = stubPhase.errors + onnxPhase.errors + direct.errors;
		const ratio = stubPhase.requests / stubPhase.seconds / (direct.requests / direct.seconds);
		const flat = [stubPhase, onnxPhase].every((p) => rssSummary(p).ratio <= 1.1);
		console.log(`\nThroughput via coordinator ÷ direct (stub, ${STUB_CLIENTS} clients): ${fmt(ratio, 2)}`);
		console.log(`Errors: ${errors} (goal 0) → ${errors === 0 ? 'met' : 'NOT met'}`);
		console.log(`Coordinator RSS end ÷ after warm-up: stub ${fmt(rssSummary(stubPhase).ratio, 2)}, onnx ${fmt(rssSummary(onnxPhase).ratio, 2)} (goal ≤ 1.10) → ${flat ? 'met' : 'NOT met'}`);
		if (errors > 0 || !flat) process.exitCode = 1;
	} finally {
		await stub.kill('SIGKILL');
		await onnx.kill();
		coordinator.child.kill('SIGTERM');
		rmSync(dbDir, { recursive: true, force: true });
	}
}

await main();
