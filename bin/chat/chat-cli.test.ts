// `lumen chat` as a real process: piped stdin, a pseudo-terminal (util-linux `script`), Ctrl-C during an
// answer, and chatting through an OpenAI-compatible server (a worker process stands in for a coordinator).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { spawnWorker, until, type SpawnedWorker } from '../../workers/native/test-support';
import { killAll, lumen } from './test-support';

const answers = (out: string) => [...out.replace(/\r/g, '').matchAll(/ASSISTANT: (.*)\n/g)].map((m) => m[1]);
const count = (s: string, sub: string) => s.split(sub).length - 1;

beforeAll(() => {
	ensureModels();
});
afterAll(killAll);

describe('lumen chat', () => {
	it('chats through piped stdin: streamed answers, \\ continuation, /clear resets the conversation, /exit exits 0', async () => {
		const p = lumen(['chat', '--temperature', '0', '--max-tokens', '12', '--threads', '1']);
		p.child.stdin!.end('hello\nhello\n/clear\nhello\nfirst line \\\nsecond line\n/exit\nnever sent\n');
		expect(await p.exited).toBe(0);
		const got = answers(p.out());
		expect(got).toHaveLength(4);
		expect(got[0].length).toBeGreaterThan(5);
		expect(got[2], 'after /clear the same greedy question gets the same first answer').toBe(got[0]);
		expect(got[1], 'without /clear the history changes the answer').not.toBe(got[0]);
		expect(p.out()).toContain('(conversation cleared)');
		expect(p.err()).toContain('Chatting with lumen-tiny-a');
	});

	it('stops the answer on Ctrl-C (SIGINT) and keeps chatting; two Ctrl-C at the prompt exit 0', async () => {
		const p = lumen(['chat', '--temperature', '0', '--max-tokens', '1800', '--threads', '1']);
		await until(() => p.err().includes('Chatting with'), 60_000);
		p.child.stdin!.write('hello\n');
		await until(() => /ASSISTANT: .{20}/.test(p.out()), 10_000);
		const t0 = Date.now();
		p.child.kill('SIGINT');
		await until(() => p.out().includes(' [stopped]\n'), 2000);
		expect(Date.now() - t0).toBeLessThan(1000); // 1800 tokens would take seconds
		p.child.stdin!.write('tell me more\n');
		await until(() => count(p.out(), 'ASSISTANT: ') === 2 && /ASSISTANT: .{20}[^]*$/.test(p.out().split('[stopped]')[1]), 10_000);
		p.child.kill('SIGINT');
		await until(() => count(p.out(), '[stopped]') === 2, 2000);
		p.child.kill('SIGINT');
		await until(() => p.out().includes('press Ctrl-C again'), 2000);
		expect(p.child.exitCode).toBeNull();
		p.child.kill('SIGINT');
		expect(await p.exited).toBe(0);
	});

	// util-linux `script` gives the chat a real pseudo-terminal (see test-support.ts).
	it('works in a pseudo-terminal: prompts, Ctrl-C stops the answer, /clear and /exit', async () => {
		const p = lumen(['chat', '--temperature', '0', '--max-tokens', '1800', '--threads', '1'], { pty: true });
		await until(() => p.out().includes('USER: '), 60_000);
		p.child.stdin!.write('hello\r');
		await until(() => /ASSISTANT: .{20}/.test(p.out()), 10_000);
		p.child.stdin!.write('\x03');
		await until(() => p.out().includes(' [stopped]'), 2000);
		p.child.stdin!.write('/clear\r');
		await until(() => p.out().includes('(conversation cleared)'), 2000);
		p.child.stdin!.write('/exit\r');
		expect(await p.exited).toBe(0);
		expect(count(p.out(), 'USER: ')).toBeGreaterThanOrEqual(3);
	});

	describe('through an OpenAI-compatible server', () => {
		let worker: SpawnedWorker;
		beforeAll(async () => {
			worker = await spawnWorker(['--model', 'lumen-tiny-b', '--threads', '1']);
		});
		afterAll(async () => {
			await worker?.kill();
		});

		it('lists its models and chats with the first one', async () => {
			const models = lumen(['models', '--coordinator', worker.url]);
			expect(await models.exited).toBe(0);
			expect(models.out().trim()).toBe('lumen-tiny-b');
			const remote = lumen(['chat', '--coordinator', worker.url.replace(/\/v1$/, ''), '--temperature', '0', '--max-tokens', '10']);
			remote.child.stdin!.end('hello\n');
			const local = lumen(['chat', '--model', 'lumen-tiny-b', '--temperature', '0', '--max-tokens', '10', '--threads', '1']);
			local.child.stdin!.end('hello\n');
			expect(await remote.exited).toBe(0);
			expect(await local.exited).toBe(0);
			expect(answers(remote.out())).toEqual(answers(local.out()));
			expect(answers(remote.out())[0].length).toBeGreaterThan(3);
		});

		it('reports a server error and lets the message be sent again', async () => {
			const p = lumen(['chat', '--coordinator', worker.url, '--model', 'missing-model']);
			p.child.stdin!.end('hello\n');
			expect(await p.exited).toBe(0);
			expect(p.err()).toMatch(/error \(model_not_found\): .*missing-model/);
		});
	});
});
