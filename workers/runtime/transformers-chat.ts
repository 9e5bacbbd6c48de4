// Streams an OpenAI chat completion from a Transformers.js causal LM, in a browser worker or in Node.
// Invariants: every yielded item is an OpenAI chunk; the last one carries finish_reason and usage;
// aborting the signal stops generation at the next decode step and ends the stream with finish 'abort'.
import type * as TF from '@huggingface/transformers';
import { LumenError, toLumenError } from '../../src/lib/protocol/errors';
import { makeChunk, type ChatCompletionChunk, type ChatCompletionRequest, type FinishReason } from '../../src/lib/protocol/openai';
import { AsyncQueue } from './async-queue';
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

let counter = 0;
function completionId(): string {
	counter += 1;
	return `chatcmpl-${Date.now().toString(36)}${counter.toString(36)}`;
}

export function streamChat(
	loaded: LoadedTextModel,
	request: ChatCompletionRequest,
	signal?: AbortSignal
): AsyncIterable<ChatCompletionChunk> {
	const { tf, tokenizer, model } = loaded;
	const queue = new AsyncQueue<ChatCompletionChunk>();
	const id = completionId();
	const modelName = request.model || loaded.modelId;
	const stops = request.stop === undefined ? [] : Array.isArray(request.stop) ? request.stop : [request.stop];
	const maxNewTokens = request.max_tokens ?? loaded.defaultMaxTokens;
	const temperature = request.temperature ?? 0.7;
	const decoder = new IncrementalDecoder((ids) => tokenizer.decode(ids, { skip_special_tokens: true }));
	const criteria = new tf.InterruptableStoppingCriteria();
	const eos = new Set(eosIds(model, tokenizer));

	let text = ''; // everything decoded so far
	let sent = 0; // characters of `text` already sent
	let hitStop = false;
	let sawEos = false;
	let completionTokens = 0;

	const emit = (upTo: number) => {
		if (upTo > sent) {
			queue.push(makeChunk(id, modelName, { content: text.slice(sent, upTo) }));
			sent = upTo;
		}
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

	class ChunkStreamer extends tf.BaseStreamer {
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
		queue.push(makeChunk(id, modelName, { role: 'assistant', content: '' }));
		const inputs = tokenizer.apply_chat_template(request.messages, {
			add_generation_prompt: true,
			return_dict: true
		}) as unknown as { input_ids: TF.Tensor; attention_mask: TF.Tensor };
		const promptTokens = inputs.input_ids.dims.at(-1) ?? 0;
		await model.generate({
			...inputs,
			max_new_tokens: maxNewTokens,
			do_sample: temperature > 0,
			temperature: temperature > 0 ? temperature : 1,
			top_p: request.top_p ?? 1,
			stopping_criteria: [criteria],
			streamer: new ChunkStreamer() as unknown as TF.TextStreamer
		});
		if (!hitStop) {
			text += decoder.flush();
			emit(text.length);
		}
		const finish: FinishReason = hitStop || sawEos ? 'stop' : signal?.aborted ? 'abort' : completionTokens >= maxNewTokens ? 'length' : 'stop';
		queue.push(
			makeChunk(id, modelName, {}, finish, {
				prompt_tokens: promptTokens,
				completion_tokens: completionTokens,
				total_tokens: promptTokens + completionTokens
			})
		);
	};

	run()
		.then(() => queue.close())
		.catch((err) => queue.fail(toLumenError(err, 'generation_failed')))
		.finally(() => signal?.removeEventListener('abort', onAbort));
	return queue;
}

function eosIds(model: TF.PreTrainedModel, tokenizer: TF.PreTrainedTokenizer): number[] {
	const fromConfig = (model as unknown as { generation_config?: { eos_token_id?: number | number[] } }).generation_config
		?.eos_token_id;
	const ids = Array.isArray(fromConfig) ? fromConfig : fromConfig === undefined ? [] : [fromConfig];
	const tokEos = (tokenizer as unknown as { eos_token_id?: number }).eos_token_id;
	if (typeof tokEos === 'number') ids.push(tokEos);
	return ids;
}
