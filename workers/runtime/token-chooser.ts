// The logits processors that make Transformers.js's generate() choose each token our way: the
// repetition penalty (Transformers.js's own), OpenAI's presence and frequency penalties, then the
// choice itself (greedy, or sampled with this request's seeded generator), with its log-probabilities.
// generate() runs greedy: the chooser leaves only its token possible, so the sampler can pick no other.
//
// Log-probabilities are those of the distribution the choice is made from once penalties apply, before
// temperature, top-k and top-p: like OpenAI's, they do not depend on the temperature; without penalties
// they are the model's own; and a greedy token is always the top-1 alternative.
import type * as TF from '@huggingface/transformers';
import { applyPresenceFrequency, greedyToken, logSumExp, sampleToken, topLogprobs, type Rng, type IdLogprob } from './logits';
import type { GenerationSettings } from './sampling-settings';

export type ChosenToken = { id: number; logprob?: number; top?: IdLogprob[] };

export function tokenChooser(
	tf: typeof TF,
	settings: GenerationSettings,
	promptLength: number,
	rng: Rng,
	onChoice: (chosen: ChosenToken) => void
): TF.LogitsProcessorList {
	const counts = new Map<number, number>();
	let counted = promptLength;

	class Chooser extends tf.LogitsProcessor {
		_call(inputIds: bigint[][], logits: TF.Tensor): TF.Tensor {
			if (inputIds.length !== 1) throw new Error('The token chooser handles one sequence at a time.');
			const row = logits.data as Float32Array;
			const ids = inputIds[0];
			for (; counted < ids.length; counted++) {
				const t = Number(ids[counted]);
				counts.set(t, (counts.get(t) ?? 0) + 1);
			}
			if (settings.presencePenalty !== 0 || settings.frequencyPenalty !== 0)
				applyPresenceFrequency(row, counts, settings.presencePenalty, settings.frequencyPenalty);
			const id = settings.temperature > 0 ? sampleToken(row, settings, rng) : greedyToken(row);
			if (settings.logprobs === undefined) onChoice({ id });
			else {
				const logZ = logSumExp(row);
				onChoice({ id, logprob: row[id] - logZ, top: topLogprobs(row, settings.logprobs, logZ, id) });
			}
			row.fill(-Infinity);
			row[id] = 0;
			return logits;
		}
	}

	const processors = new tf.LogitsProcessorList();
	if (settings.repetitionPenalty !== 1) processors.push(new tf.RepetitionPenaltyLogitsProcessor(settings.repetitionPenalty));
	processors.push(new Chooser());
	return processors;
}
