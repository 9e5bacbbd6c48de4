// `lumen worker` and `lumen models` as real processes: the worker subcommand serves and shuts down
// like workers/native/main.ts; the offline catalog lists our test models; bad flags fail with a reason.
import { spawn, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { PROJECT_ROOT, health, until } from '../../workers/native/test-support';

const run = (args: string[]) => spawnSync(process.execPath, ['bin/lumen.js', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });

beforeAll(() => {
	ensureModels();
});

describe('lumen worker', () => {
	it('serves a model on an ephemeral port and exits 0 on SIGTERM', async () => {
		const child = spawn(process.execPath, ['bin/lumen.js', 'worker', '--model', 'lumen-tiny-a', '--threads', '1', '--speed', '1'], { cwd: PROJECT_ROOT });
		let out = '';
		child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
		const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
		try {
			await until(() => /http:\/\/127\.0\.0\.1:\d+\/v1/.test(out), 60_000, 50);
			const url = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out)![1];
			expect(await health(url)).toMatchObject({ status: 'ok', queue_length: 0 });
			child.kill('SIGTERM');
			expect(await exited).toBe(0);
		} finally {
			if (child.exitCode === null) child.kill('SIGKILL');
		}
	});

	it('refuses an openai backend without --upstream, naming the flag', () => {
		const r = run(['worker', '--backend', 'openai']);
		expect(r.status).toBe(1);
		expect(r.stderr).toContain('--upstream: required with --backend openai');
	});
});

describe('lumen models', () => {
	it('lists the local catalog, marking the test models that run offline', () => {
		const r = run(['models', '--json']);
		expect(r.status).toBe(0);
		const rows = JSON.parse(r.stdout) as { id: string; offline: boolean }[];
		expect(rows.find((m) => m.id === 'lumen-tiny-a')).toMatchObject({ offline: true });
		expect(rows.find((m) => m.id === 'qwen2.5-0.5b-instruct')).toMatchObject({ offline: false });
	});

	it('prints the same English table as before, and each description (from en.json, as the page shows it) in --json', () => {
		const table = run(['models']);
		expect(table.status).toBe(0);
		const lines = table.stdout.split('\n');
		expect(lines).toContain('lumen-tiny-a           local test model                                 27 MB fp32  ctx 2048    runs offline');
		expect(lines).toContain('phi-3.5-mini-instruct  onnx-community/Phi-3.5-mini-instruct-onnx-web  2160 MB q4f16  ctx 131072');
		const rows = JSON.parse(run(['models', '--json']).stdout) as { id: string; description: string }[];
		expect(rows.find((m) => m.id === 'lumen-tiny-a')?.description).toBe(
			'Built by this project with random weights so everything works offline. It babbles by design: that is not a bug.'
		);
		expect(rows.every((m) => m.description.length > 0 && m.description !== 'No description yet.')).toBe(true);
	});

	it('fails with a hint when the coordinator cannot be reached', () => {
		const r = run(['models', '--coordinator', 'http://127.0.0.1:9']);
		expect(r.status).toBe(1);
		expect(r.stderr).toMatch(/Could not reach the coordinator at http:\/\/127\.0\.0\.1:9 .*Check the URL and that it is running\./);
	});
});

describe('lumen piped into a reader that stops early', () => {
	it('ends quietly with exit code 0 when stdout closes (lumen models | head -1)', () => {
		const piped = spawnSync('bash', ['-c', `"${process.execPath}" bin/lumen.js models | head -1; exit \${PIPESTATUS[0]}`], {
			cwd: PROJECT_ROOT,
			encoding: 'utf8',
			timeout: 60_000
		});
		expect(piped.stdout.split('\n')[0]).toMatch(/lumen-tiny-a/);
		expect(piped.stderr).not.toMatch(/EPIPE|Unhandled/);
		expect(piped.status).toBe(0);
	});
});
