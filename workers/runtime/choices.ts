// `n` answers to one prompt, generated one after another, as one stream of events tagged with their
// choice index. Usage rides on the very last event: the prompt counted once, the answers' tokens summed.
// Each answer samples on from the same seeded generator, so the n answers differ yet a seed repeats them;
// at temperature 0 they are identical by definition, so the first is generated and replayed n - 1 times.
import type { FinishReason, Usage } from '#protocol/openai';
import type { GenerationSettings } from './sampling-settings';
import { streamGeneration, type LoadedTextModel, type TextEvent, type TokenEntry } from './transformers-generate';

export type ChoiceEvent =
	| { index: number; type: 'start' }
	| { index: number; type: 'delta'; text: string; tokens?: TokenEntry[] }
	| { index: number; type: 'end'; finish: FinishReason; tokens?: TokenEntry[]; usage?: Usage };

export async function* streamChoices(
	loaded: LoadedTextModel,
	promptIds: number[],
	settings: GenerationSettings,
	signal?: AbortSignal
): AsyncGenerator<ChoiceEvent> {
	const rng = new loaded.tf.random.Random(settings.seed);
	const promptTokens = promptIds.length;
	let completionTokens = 0;
	const usage = (): Usage => ({ prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens });
	const replay: TextEvent[] | null = settings.temperature === 0 && settings.n > 1 ? [] : null;
	for (let index = 0; index < settings.n; index++) {
		// The client left between two answers: the rest are not started.
		if (index > 0 && signal?.aborted) {
			yield { index, type: 'end', finish: 'abort', usage: usage() };
			return;
		}
		yield { index, type: 'start' };
		const events: AsyncIterable<TextEvent> | TextEvent[] = index > 0 && replay ? replay : streamGeneration(loaded, promptIds, settings, signal, rng);
		for await (const event of events) {
			if (index === 0) replay?.push(event);
			if (event.type === 'delta') {
				yield { index, ...event };
				continue;
			}
			completionTokens += event.usage.completion_tokens;
			const last = index === settings.n - 1 || event.finish === 'abort';
			yield { index, type: 'end', finish: event.finish, tokens: event.tokens, ...(last ? { usage: usage() } : {}) };
			if (last) return;
		}
	}
}
