// Greedy chat generation with Transformers.js in Node (onnxruntime-node, one thread): the
// reference the browser e2e test compares against token for token, and a benchmark helper.
import { resolve } from 'node:path';

export interface ChatMessage {
	role: string;
	content: string;
}

export interface GreedyGenerateOptions {
	/** Folder holding the model folders (the builder's out dir, e.g. static/models). */
	modelDir: string;
	modelId: string;
	messages: ChatMessage[];
	maxNewTokens: number;
	dtype?: 'fp32' | 'q8' | 'q4';
	/** A Jinja chat template to use instead of the tokenizer's own (passed to apply_chat_template as is). */
	chatTemplate?: string;
}

export interface GreedyGenerateResult {
	/** Newly generated token ids only (the prompt is not included). */
	tokenIds: number[];
	/** Decoded new tokens, special tokens skipped. */
	text: string;
	promptTokenIds: number[];
	/**
	 * Top-1 minus top-2 logit at each generated step. If a browser run diverges from Node at a
	 * step whose margin is tiny (below ~1e-3; float32 noise between runtimes is ~1e-4 at most),
	 * that is a numerical near-tie rather than a bug.
	 */
	margins: number[];
	/** Wall-clock timings; tokensPerSecond counts new tokens over the whole generate() call. */
	timings: { loadMs: number; generateMs: number; tokensPerSecond: number };
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Greedy-decode a chat reply. Calls are serialized, and the Transformers.js `env` settings they
 * need (local files only, from `modelDir`) are restored afterwards.
 */
export function greedyGenerateNode(opts: GreedyGenerateOptions): Promise<GreedyGenerateResult> {
	const run = queue.then(() => generate(opts));
	queue = run.catch(() => undefined);
	return run;
}

async function generate(opts: GreedyGenerateOptions): Promise<GreedyGenerateResult> {
	const { env, AutoTokenizer, AutoModelForCausalLM } = await import('@huggingface/transformers');
	const saved = {
		allowRemoteModels: env.allowRemoteModels,
		allowLocalModels: env.allowLocalModels,
		localModelPath: env.localModelPath
	};
	env.allowRemoteModels = false;
	env.allowLocalModels = true;
	env.localModelPath = resolve(opts.modelDir) + '/';
	let model: Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>> | null = null;
	try {
		const t0 = performance.now();
		const tokenizer = await AutoTokenizer.from_pretrained(opts.modelId);
		model = await AutoModelForCausalLM.from_pretrained(opts.modelId, {
			dtype: opts.dtype ?? 'fp32',
			device: 'cpu',
			session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 }
		});
		const inputs = tokenizer.apply_chat_template(opts.messages, {
			...(opts.chatTemplate ? { chat_template: opts.chatTemplate } : {}),
			add_generation_prompt: true,
			return_dict: true
		}) as { input_ids: { tolist(): unknown[] }; attention_mask: unknown };
		const promptTokenIds = (inputs.input_ids.tolist()[0] as bigint[]).map(Number);
		const margins: number[] = [];
		const recordMargin = (_ids: bigint[][], logits: { data: unknown; dims: number[] }) => {
			const V = logits.dims[logits.dims.length - 1];
			const row = (logits.data as Float32Array).subarray(0, V);
			let top = -Infinity;
			let second = -Infinity;
			for (const x of row) {
				if (x > top) [second, top] = [top, x];
				else if (x > second) second = x;
			}
			margins.push(top - second);
			return logits;
		};
		const t1 = performance.now();
		const output = (await model.generate({
			...inputs,
			max_new_tokens: opts.maxNewTokens,
			do_sample: false,
			logits_processor: [recordMargin] as never // appended after the built-in processors
		})) as { tolist(): bigint[][] };
		const t2 = performance.now();
		const tokenIds = output.tolist()[0].slice(promptTokenIds.length).map(Number);
		const text = tokenizer.decode(tokenIds, { skip_special_tokens: true });
		const generateMs = t2 - t1;
		return {
			tokenIds,
			text,
			promptTokenIds,
			margins,
			timings: { loadMs: t1 - t0, generateMs, tokensPerSecond: (tokenIds.length * 1000) / generateMs }
		};
	} finally {
		await model?.dispose();
		Object.assign(env, saved);
	}
}
