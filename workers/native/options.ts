// Command-line options of a native worker, shared by `workers/native/main.ts` and `lumen worker`:
// commander declares them, zod turns what commander parsed into a checked WorkerOptions.
import { Command, Option } from 'commander';
import { z } from 'zod';
import { findTemplate } from '#templates/chat-templates';
import { BackendKinds } from './backend';
import { DEFAULT_MAX_BODY_BYTES } from './http-app';
import { OnnxDevices, OnnxDtypes } from './onnx-backend';

const positiveInt = z.coerce.number().int().positive();

export const WorkerOptionsSchema = z
	.object({
		coordinator: z.url().optional(),
		backend: z.enum(BackendKinds).default('onnx'),
		model: z.string().min(1).optional(),
		upstream: z.url().optional(),
		upstreamKey: z.string().optional(),
		/** `--vision` alone: every fronted model; `--vision a,b`: those. */
		vision: z
			.union([z.literal(true), z.string().transform((v) => v.split(',').map((id) => id.trim()).filter(Boolean))])
			.optional(),
		device: z.enum(OnnxDevices).default('cpu'),
		dtype: z.enum(OnnxDtypes).default('fp32'),
		port: z.coerce.number().int().min(0).max(65535).default(0),
		host: z.string().default('127.0.0.1'),
		publicUrl: z.url().optional(),
		secret: z.string().optional(),
		workerId: z.string().min(1).optional(),
		maxConcurrency: positiveInt.optional(),
		threads: positiveInt.optional(),
		speed: z.coerce.number().positive().optional(),
		drainTimeout: z.coerce.number().positive().default(30),
		maxBodyBytes: positiveInt.default(DEFAULT_MAX_BODY_BYTES),
		chatTemplate: z
			.string()
			.optional()
			.superRefine((name, ctx) => {
				if (name === undefined) return;
				try {
					findTemplate(name);
				} catch (err) {
					ctx.addIssue({ code: 'custom', message: (err as Error).message });
				}
			}),
		systemMessage: z.string().optional()
	})
	.refine((o) => o.backend !== 'onnx' || o.model, { message: 'required with --backend onnx', path: ['model'] })
	.refine((o) => o.backend !== 'openai' || o.upstream, { message: 'required with --backend openai', path: ['upstream'] })
	// An upstream formats its own prompts: a template flag there would be ignored, so it is refused.
	.refine((o) => o.backend !== 'openai' || o.chatTemplate === undefined, { message: 'only with --backend onnx (an upstream formats its own prompts)', path: ['chatTemplate'] })
	.refine((o) => o.backend !== 'openai' || o.systemMessage === undefined, { message: 'only with --backend onnx (an upstream formats its own prompts)', path: ['systemMessage'] })
	.refine((o) => o.backend === 'openai' || o.vision === undefined, {
		message: 'only with --backend openai (the onnx backend runs text-only models)',
		path: ['vision']
	});
export type WorkerOptions = z.infer<typeof WorkerOptionsSchema>;

export function addWorkerOptions(command: Command): Command {
	return command
		.option('--coordinator <url>', 'coordinator to register with (omit to serve standalone)')
		.addOption(new Option('--backend <kind>', 'where tokens come from').choices([...BackendKinds]).default('onnx'))
		.option('--model <id|dir>', 'onnx: a local test model id (static/models), a model folder, or a Hugging Face hub id')
		.option('--upstream <url>', 'openai: base URL of the OpenAI-compatible server to front')
		.option('--upstream-key <key>', 'openai: API key for the upstream server')
		.option('--vision [ids]', 'openai: mark the fronted models (or these comma-separated ids) as reading images; the upstream’s own metadata counts too')
		.addOption(new Option('--device <device>', 'onnx: execution device (wasm: ONNX Runtime Web in Node, numerically identical to a browser tab, slower)').choices([...OnnxDevices]).default('cpu'))
		.addOption(new Option('--dtype <dtype>', 'onnx: weight variant to load').choices([...OnnxDtypes]).default('fp32'))
		.option('--port <n>', 'port to listen on (0 = any free port)', '0')
		.option('--host <host>', 'interface to listen on', '127.0.0.1')
		.option('--public-url <url>', 'base URL (ending in /v1) the coordinator should use to reach this worker')
		.addOption(new Option('--secret <secret>', 'worker secret for the coordinator').env('LUMEN_WORKER_SECRET'))
		.option('--worker-id <id>', 'stable worker id (default: host:port)')
		.option('--max-concurrency <n>', 'generations run at once; the rest queue FIFO (default: 1 for onnx, 32 for openai)')
		.option('--threads <n>', 'onnx: ONNX Runtime intra-op threads')
		.option('--speed <n>', 'relative speed to report (default: measured tokens/s for onnx, 1 for openai)')
		.option('--drain-timeout <seconds>', 'on SIGTERM/SIGINT, how long to let in-flight requests finish', '30')
		.option('--max-body-bytes <n>', 'largest request body read; bigger ones get a 413', String(DEFAULT_MAX_BODY_BYTES))
		.option(
			'--chat-template <name>',
			"onnx: format chats with this registry template instead of the model's own (default: its own, or the one its id matches when it has none)"
		)
		.option('--system-message <text>', "onnx: system message that replaces every request's own ('' removes them, and any template default)");
}

/** Checks what commander parsed; throws an Error whose message names the bad option. */
export function parseWorkerOptions(raw: Record<string, unknown>): WorkerOptions {
	const parsed = WorkerOptionsSchema.safeParse(raw);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	const flag = issue.path.length ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}: ` : '';
	throw new Error(`${flag}${issue.message}`);
}
