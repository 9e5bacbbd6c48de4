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
import type { Rng } from './logits';
import type { GenerationSettings } from './sampling-settings';
import { tokenChooser, type ChosenToken } from './token-chooser';

export { settingsFrom, type GenerationSettings } from './sampling-settings';

export type TransformersModule = typeof TF;

export type LoadedTextModel = {
	tf: TransformersModule;
	modelId: string;
	tokenizer: TF.PreTrainedTokenizer;
	model: TF.PreTrainedModel;
	/** Default for max_tokens when a request names none. */
	defaultMaxTokens: number;
};

/** One generated token's log-probability and alternatives, and where its text starts in the answer. */
export type TokenEntry = ChosenToken & { offset: number };

/** Each token's entry rides on the delta that completes its text (or on `end`, for what never shows). */
export type TextEvent =
	| { type: 'delta'; text: string; tokens?: TokenEntry[] }
	| { type: 'end'; finish: FinishReason; usage: Usage; tokens?: TokenEntry[] };

/**
 * Generates from prompt token ids and yields text deltas (never half a character, never any part of
 * a stop string), then one `end` event with the finish reason and token counts. With
 * `settings.logprobs` set, every counted token gets one entry, in order, on some event.
 */
export function streamGeneration(
	loaded: LoadedTextModel,
	promptIds: number[],
	settings: GenerationSettings,
	signal?: AbortSignal,
	rng: Rng = new loaded.tf.random.Random(settings.seed)
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
	const withLogprobs = settings.logprobs !== undefined;
	const chosen: ChosenToken[] = [];
	/** Entries whose text is not sent yet, with where their text ends. */
	let pending: { entry: TokenEntry; end: number }[] = [];
	let text = '';
	let sent = 0;
	let hitStop = false;
	let sawEos = false;
	let completionTokens = 0;

	const takeSent = (all = false): TokenEntry[] | undefined => {
		if (!withLogprobs) return undefined;
		const ready = all ? pending : pending.filter((p) => p.end <= sent);
		pending = all ? [] : pending.filter((p) => p.end > sent);
		return ready.map((p) => p.entry);
	};
	const emit = (upTo: number) => {
		if (upTo <= sent) return;
		const from = sent;
		sent = upTo;
		queue.push({ type: 'delta', text: text.slice(from, upTo), tokens: takeSent() });
	};
	const onToken = (token: number, choice: ChosenToken | undefined) => {
		if (hitStop) return;
		completionTokens += 1;
		if (eos.has(token)) sawEos = true;
		const offset = text.length;
		text += decoder.push([token]);
		if (withLogprobs) pending.push({ entry: { ...(choice ?? { id: token }), offset }, end: text.length });
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
			for (const t of value[0]) onToken(Number(t), chosen.shift());
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
		await model.generate({
			...inputs,
			max_new_tokens: maxNewTokens,
			// The chooser picks every token (see token-chooser.ts); these keep the model's generation
			// config from sampling, searching beams or penalising a second time.
			do_sample: false,
			num_beams: 1,
			repetition_penalty: 1,
			logits_processor: tokenChooser(tf, settings, promptTokens, rng, (c) => chosen.push(c)),
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
			usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
			tokens: takeSent(true)
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
