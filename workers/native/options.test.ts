// Worker flags: commander parses them, zod checks them; mistakes name the flag to fix.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addWorkerOptions, parseWorkerOptions } from './options';

const parse = (argv: string[], env: Record<string, string> = {}) => {
	const saved = process.env.LUMEN_WORKER_SECRET;
	if (env.LUMEN_WORKER_SECRET) process.env.LUMEN_WORKER_SECRET = env.LUMEN_WORKER_SECRET;
	try {
		const cmd = addWorkerOptions(new Command('w')).exitOverride();
		cmd.parse(argv, { from: 'user' });
		return parseWorkerOptions(cmd.opts());
	} finally {
		if (saved === undefined) delete process.env.LUMEN_WORKER_SECRET;
		else process.env.LUMEN_WORKER_SECRET = saved;
	}
};

describe('worker options', () => {
	it('fills defaults and converts numbers', () => {
		const o = parse(['--model', 'lumen-tiny-a', '--max-concurrency', '3', '--threads', '2']);
		expect(o).toMatchObject({ backend: 'onnx', device: 'cpu', dtype: 'fp32', port: 0, host: '127.0.0.1', maxConcurrency: 3, threads: 2, drainTimeout: 30, maxBodyBytes: 33554432 });
		expect(o.coordinator).toBeUndefined();
	});

	it('takes the secret from LUMEN_WORKER_SECRET when --secret is absent', () => {
		expect(parse(['--model', 'm'], { LUMEN_WORKER_SECRET: 'from-env' }).secret).toBe('from-env');
		expect(parse(['--model', 'm', '--secret', 'flag'], { LUMEN_WORKER_SECRET: 'from-env' }).secret).toBe('flag');
	});

	it('names the flag that is missing or wrong', () => {
		expect(() => parse([])).toThrow('--model: required with --backend onnx');
		expect(() => parse(['--backend', 'openai'])).toThrow('--upstream: required with --backend openai');
		expect(() => parse(['--model', 'm', '--max-concurrency', '0'])).toThrow(/^--max-concurrency: /);
		expect(() => parse(['--model', 'm', '--coordinator', 'not a url'])).toThrow(/^--coordinator: /);
		expect(() => parse(['--model', 'm', '--device', 'tpu'])).toThrow(/Allowed choices are cpu, cuda/);
	});

	it('takes a chat template by name or alias and a system message, and refuses an unknown template listing the names', () => {
		expect(parse(['--model', 'm', '--chat-template', 'vicuna_v1.1', '--system-message', ''])).toMatchObject({ chatTemplate: 'vicuna_v1.1', systemMessage: '' });
		expect(() => parse(['--model', 'm', '--chat-template', 'llama-9'])).toThrow(
			/^--chat-template: Unknown chat template "llama-9"\. Use one of: vicuna, alpaca, chatml, .*plain\.$/
		);
	});

	it('refuses template flags for an upstream, which formats its own prompts', () => {
		expect(() => parse(['--backend', 'openai', '--upstream', 'http://x/v1', '--chat-template', 'chatml'])).toThrow(/^--chat-template: only with --backend onnx/);
		expect(() => parse(['--backend', 'openai', '--upstream', 'http://x/v1', '--system-message', 'Hi'])).toThrow(/^--system-message: only with --backend onnx/);
	});

	it('takes --vision for every fronted model or a list of ids, only with --backend openai', () => {
		const openai = ['--backend', 'openai', '--upstream', 'http://gpu:8001/v1'];
		expect(parse([...openai, '--vision']).vision).toBe(true);
		expect(parse([...openai, '--vision', 'llava-1.5, qwen2-vl']).vision).toEqual(['llava-1.5', 'qwen2-vl']);
		expect(parse(openai).vision).toBeUndefined();
		expect(() => parse(['--model', 'm', '--vision'])).toThrow('--vision: only with --backend openai');
	});
});
