// The onnx backend: Transformers.js on onnxruntime-node (CPU, or CUDA where present) running one
// causal LM that is a local test model (static/models/<id>), a local model folder, or a Hugging Face hub id.
// `--device wasm` runs it on ONNX Runtime Web's WebAssembly build instead: the kernels a browser tab's
// WASM path runs, so its numbers (embeddings included) equal a tab's bit for bit, at a cost in speed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LumenError, toLumenError } from '#protocol/errors';
import type { EmbeddingRequest } from '#protocol/openai';
import { findTemplate } from '#templates/chat-templates';
import { contextLengthOf, countPrompt } from '../runtime/context-window';
import { streamChat, type LoadedTextModel } from '../runtime/transformers-chat';
import { chatFormat, describeFormat, type ChatFormat } from '../runtime/transformers-chat-prompt';
import { streamCompletion } from '../runtime/transformers-complete';
import { embedRequest, offersEmbeddings } from '../runtime/transformers-embed';
import type { Backend, TokenCountInput } from './backend';
import { onnxSupports } from './parameters';
import { measureSpeed } from '../runtime/measure-speed';

export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../static/models/', import.meta.url));

export const OnnxDevices = ['cpu', 'cuda', 'wasm'] as const;
export type OnnxDevice = (typeof OnnxDevices)[number];
export const OnnxDtypes = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const;
export type OnnxDtype = (typeof OnnxDtypes)[number];

export type OnnxBackendOptions = {
	/** Catalog id of a local test model, a folder holding config.json, or a hub id. */
	model: string;
	device?: OnnxDevice;
	dtype?: OnnxDtype;
	/** ONNX Runtime intra-op threads; default lets ONNX Runtime choose. */
	threads?: number;
	modelsDir?: string;
	/** Skip the warm-up that measures tokens/s and use this speed instead. */
	speed?: number;
	/** A registry chat template to format chats with instead of the model's own (`--chat-template`). */
	chatTemplate?: string;
	/** Replaces every request's system messages (`--system-message`; '' removes them). */
	systemMessage?: string;
	log?: (line: string) => void;
};

export { onnxSupports } from './parameters';

export type ModelSource = { kind: 'local'; root: string; id: string; name: string } | { kind: 'hub'; id: string; name: string };

/** Where a model argument points: a folder, a catalog id under modelsDir, or (otherwise) the hub. */
export function resolveModelSource(model: string, modelsDir = DEFAULT_MODELS_DIR): ModelSource {
	const asDir = resolve(model);
	if (existsSync(resolve(asDir, 'config.json'))) return { kind: 'local', root: dirname(asDir) + '/', id: basename(asDir), name: basename(asDir) };
	if (/^[\w.-]+$/.test(model) && existsSync(resolve(modelsDir, model, 'config.json')))
		return { kind: 'local', root: resolve(modelsDir) + '/', id: model, name: model };
	return { kind: 'hub', id: model, name: model };
}

const ORT_SYMBOL = Symbol.for('onnxruntime');
type OrtWeb = typeof import('onnxruntime-web');

/**
 * Transformers.js with the ONNX Runtime the device needs. Transformers.js binds its runtime once per
 * process, when first imported: onnxruntime-node in Node, unless the process hands it another one under
 * `Symbol.for('onnxruntime')` first. So `wasm` imports ONNX Runtime Web (its Node build, the same .wasm a
 * browser loads, from this install: no CDN) and hands it over, and a process cannot mix the two.
 */
async function loadTransformers(device: OnnxDevice, threads: number | undefined): Promise<typeof import('@huggingface/transformers')> {
	const global = globalThis as { [ORT_SYMBOL]?: unknown };
	if (device === 'wasm' && !(ORT_SYMBOL in global)) {
		const web: OrtWeb = await import('onnxruntime-web');
		web.env.wasm.wasmPaths = dirname(createRequire(import.meta.url).resolve('onnxruntime-web')) + '/';
		// One thread unless asked: a tab without cross-origin isolation runs one too, and so do the tests.
		web.env.wasm.numThreads = threads ?? 1;
		global[ORT_SYMBOL] = web;
	}
	const tf = await import('@huggingface/transformers');
	const onWeb = (tf.env.backends.onnx as { versions?: { web?: string } }).versions?.web !== undefined;
	if ((device === 'wasm') !== onWeb)
		throw new LumenError(
			'model_load_failed',
			`This process already runs models on ${onWeb ? 'ONNX Runtime Web (wasm)' : 'onnxruntime-node'}; --device ${device} needs a process of its own.`,
			false
		);
	return tf;
}

export async function loadOnnxBackend(options: OnnxBackendOptions): Promise<Backend> {
	const log = options.log ?? (() => undefined);
	// A misspelt template name fails before minutes of loading, with the list of names.
	if (options.chatTemplate) findTemplate(options.chatTemplate);
	const source = resolveModelSource(options.model, options.modelsDir);
	const tf = await loadTransformers(options.device ?? 'cpu', options.threads);
	if (source.kind === 'local') {
		tf.env.allowLocalModels = true;
		tf.env.allowRemoteModels = false;
		tf.env.localModelPath = source.root;
	} else {
		tf.env.allowLocalModels = false;
		tf.env.allowRemoteModels = true;
	}
	const device = options.device ?? 'cpu';
	const sessionOptions = options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {};
	let loaded: LoadedTextModel;
	try {
		const tokenizer = await tf.AutoTokenizer.from_pretrained(source.id);
		const model = await tf.AutoModelForCausalLM.from_pretrained(source.id, {
			dtype: options.dtype ?? 'fp32',
			// Transformers.js offers no device names for a runtime handed to it: 'auto' lets ONNX Runtime
			// Web take its default, the WASM execution provider.
			device: device === 'wasm' ? 'auto' : device,
			session_options: sessionOptions
		});
		const genConfig = (model as unknown as { generation_config?: { max_new_tokens?: number | null } }).generation_config;
		loaded = { tf, tokenizer, model, modelId: source.name, defaultMaxTokens: genConfig?.max_new_tokens ?? 512 };
	} catch (err) {
		const where = source.kind === 'local' ? `${source.root}${source.id}` : `the Hugging Face hub (${source.id})`;
		const e = toLumenError(err, 'model_load_failed');
		throw new LumenError('model_load_failed', `Could not load ${options.model} from ${where} on ${device}: ${e.message}`, false, { cause: err });
	}
	const contextLength = contextLengthOf(loaded.model, loaded.tokenizer);
	const format = chatFormat(loaded, { chatTemplate: options.chatTemplate, systemMessage: options.systemMessage });
	const speed = options.speed ?? (await measureSpeed(loaded));
	warmUpCounting(loaded, contextLength, format);
	// From here on a failed run is reported as one short line per request by the HTTP layer; left on,
	// Transformers.js would print every input tensor of the failed run (hundreds of KB) to the log.
	tf.env.logLevel = tf.LogLevel.NONE;
	// Registered only when the export has the hidden states, so the coordinator never routes embeddings here in vain.
	const embeds = offersEmbeddings(loaded.model);
	log(`onnx: ${source.name} on ${device} (${options.dtype ?? 'fp32'}), context ${contextLength ?? 'unknown'}, ~${speed.toFixed(0)} tokens/s`);
	if (contextLength === undefined) log(`onnx: ${source.name}'s config names no context length: prompts are not checked against one`);
	if (!embeds) log(`onnx: ${source.name}'s ONNX export has no last_hidden_state output: it offers no embeddings`);
	log(`onnx: chats are formatted with ${describeFormat(format)}${format.tools === 'hermes' ? ' (tools supported)' : ''}${format.systemOverride !== undefined ? ', with a fixed system message' : ''}`);

	// Token ids counted at admission, handed to the generation that follows for the same request object.
	const counted = new WeakMap<TokenCountInput, number[]>();
	const takeIds = (request: TokenCountInput) => {
		const ids = counted.get(request);
		counted.delete(request);
		return ids;
	};

	return {
		kind: 'onnx',
		models: [{ id: source.name, context_length: contextLength, capabilities: embeds ? ['chat', 'completions', 'embeddings'] : ['chat', 'completions'] }],
		supports: onnxSupports(embeds),
		speed,
		defaultConcurrency: 1,
		async countTokens(input) {
			const result = countPrompt(loaded.tokenizer, input, contextLength, format);
			if (result.exact) counted.set(input, result.ids);
			return { count: result.count, exact: result.exact, context_length: contextLength ?? null };
		},
		chat: (request, signal) => streamChat(loaded, request, signal, takeIds(request), format),
		complete: (request, signal) => streamCompletion(loaded, request, signal, takeIds(request)),
		...(embeds ? { embed: (request: EmbeddingRequest, signal: AbortSignal) => embedRequest(loaded, request, signal) } : {}),
		close: async () => {
			await loaded.model.dispose();
		}
	};
}

/**
 * Counts a chat and a raw prompt about as long as the context once, so the first client whose prompt
 * is too long gets its refusal at warm speed (a cold tokenizer takes several times longer).
 */
function warmUpCounting(loaded: LoadedTextModel, contextLength: number | undefined, format: ChatFormat): void {
	const text = 'Hello there. '.repeat(Math.min(contextLength ?? 1024, 8192) / 2);
	countPrompt(loaded.tokenizer, { messages: [{ role: 'user', content: text }] }, contextLength, format);
	countPrompt(loaded.tokenizer, { prompt: text }, contextLength);
}
