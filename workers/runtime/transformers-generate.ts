// The generation core shared by chat and text completions: runs Transformers.js generate() on
// tokenized inputs and yields text deltas, honouring stop strings, max tokens and an AbortSignal.
// Invariants: never half a UTF-8 character, never any part of a stop string, never a position past
// the model's context (max tokens is lowered to fit, ending with 'length'); one final `end` event.
import type * as TF from '@huggingface/transformers';
import { LumenError, contextLengthExceeded } from '#protocol/errors';
import type { FinishReason, Usage } from '#protocol/openai';
import { AsyncQueue } from './async-queue';
import { contextLengthOf, fitMaxTokens } from './context-window';
import { generationError } from './errors';
import { IncrementalDecoder, findStop, partialStopLength } from './incremental-decoder';

export type TransformersModule = typeof TF;

export type LoadedTextModel = {
	tf: TransformersModule;
	modelId: string;
	tokenizer: TF.PreTrainedTokenizer;
	model: TF.PreTrainedModel;
	/** Default for max_tokens when a request names none. */
	defaultMaxTokens: number;
};

/** The sampling fields chat and completion requests share, with this server's defaults. */
export type SamplingRequest = { max_tokens?: number; temperature?: number; top_p?: number; stop?: string | string[]; seed?: number };

export function settingsFrom(request: SamplingRequest, loaded: LoadedTextModel): GenerationSettings {
	return {
		maxNewTokens: request.max_tokens ?? loaded.defaultMaxTokens,
		temperature: request.temperature ?? 0.7,
		topP: request.top_p ?? 1,
		stops: request.stop === undefined ? [] : Array.isArray(request.stop) ? request.stop : [request.stop],
		seed: request.seed
	};
}

export type GenerationSettings = {
	maxNewTokens: number;
	/** 0 means greedy. */
	temperature: number;
	topP: number;
	stops: readonly string[];
	/** Seeds Transformers.js's global sampler: reproducible only while one generation runs at a time. */
	seed?: number;
};

export type TextEvent = { type: 'delta'; text: string } | { type: 'end'; finish: FinishReason; usage: Usage };


/**
 * Generates from prompt token ids and yields text deltas (never half a character, never any part of
 * a stop string), then one `end` event with the finish reason and token counts.
 */
export function streamGeneration(
	loaded: LoadedTextModel,
	promptIds: number[],
	settings: GenerationSettings,
	signal?: AbortSignal
): AsyncIterable<TextEvent> {
	const { tf, tokenizer, model } = loaded;
	const queue = new AsyncQueue<TextEvent>();
	const promptTokens = promptIds.length;
	const contextLength = contextLengthOf(model, tokenizer);
	const maxNewTokens = fitMaxTokens(settings.maxNewTokens, promptTokens, contextLength);
	const decoder = new IncrementalDecoder((ids) => tokenizer.decode(ids, { skip_special_tokens: true }));
	const criteria = new tf.InterruptableStoppingCriteria();
	const eos = new Set(eosIds(model, tokenizer));
	const stops = settings.stops;
	let text = '';
	let sent = 0;
	let hitStop = false;
	let sawEos = false;
	let completionTokens = 0;

	const emit = (upTo: number) => {
		if (upTo > sent) queue.push({ type: 'delta', text: text.slice(sent, upTo) });
		sent = Math.max(sent, upTo);
	};
	const onTokens = (tokens: number[]) => {
		if (hitStop) return;
		completionTokens += tokens.length;
		if (tokens.some((t) => eos.has(t))) sawEos = true;
		text += decoder.push(tokens);
		const at = findStop(text, stops);
		if (at !== -1) {
			hitStop = true;
			text = text.slice(0, at);
			emit(text.length);
			criteria.interrupt();
			return;
		}
		emit(text.length - partialStopLength(text, stops));
	};

	class DeltaStreamer extends tf.BaseStreamer {
		private prompt = true;
		put(value: bigint[][]): void {
			if (this.prompt) {
				this.prompt = false; // the first put is the prompt itself
				return;
			}
			onTokens(value[0].map(Number));
		}
		end(): void {}
	}

	const onAbort = () => criteria.interrupt();
	signal?.addEventListener('abort', onAbort);
	const run = async () => {
		if (signal?.aborted) throw new LumenError('aborted', 'Stopped before generation started.', true);
		// Callers check this at admission; here it guards the one thing ONNX Runtime cannot survive.
		if (contextLength !== undefined && maxNewTokens < 1) throw contextLengthExceeded(promptTokens, contextLength);
		const shape = [1, promptTokens];
		const inputs = {
			input_ids: new tf.Tensor('int64', BigInt64Array.from(promptIds, BigInt), shape),
			attention_mask: new tf.Tensor('int64', new BigInt64Array(promptTokens).fill(1n), shape)
		};
		if (settings.seed !== undefined) tf.random.seed(settings.seed);
		await model.generate({
			...inputs,
			max_new_tokens: maxNewTokens,
			do_sample: settings.temperature > 0,
			temperature: settings.temperature > 0 ? settings.temperature : 1,
			top_p: settings.topP,
			stopping_criteria: [criteria],
			streamer: new DeltaStreamer() as unknown as TF.TextStreamer
		});
		if (!hitStop) {
			text += decoder.flush();
			emit(text.length);
		}
		const finish: FinishReason =
			hitStop || sawEos ? 'stop' : signal?.aborted ? 'abort' : completionTokens >= maxNewTokens ? 'length' : 'stop';
		queue.push({
			type: 'end',
			finish,
			usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
		});
	};
	run()
		.then(() => queue.close())
		.catch((err) => queue.fail(generationError(err)))
		.finally(() => signal?.removeEventListener('abort', onAbort));
	return queue;
}

function eosIds(model: TF.PreTrainedModel, tokenizer: TF.PreTrainedTokenizer): number[] {
	const fromConfig = (model as unknown as { generation_config?: { eos_token_id?: number | number[] } }).generation_config
		?.eos_token_id;
	// A copy: the config's own array must not grow by one entry per request.
	const ids = fromConfig === undefined ? [] : [fromConfig].flat();
	const tokEos = (tokenizer as unknown as { eos_token_id?: number }).eos_token_id;
	return typeof tokEos === 'number' ? [...ids, tokEos] : ids;
}
