// The moderation hook in front of the public arena (FastChat's moderation_filter): an OpenAI-compatible
// /v1/moderations endpoint when one is configured, otherwise the operator's word list. It fails closed:
// when the endpoint cannot answer, the prompt is not let in (503, try again).
import { z } from 'zod';
import type { ModerateResponse } from '#protocol/arena-integrity';
import { MODERATION_MESSAGE } from '#protocol/arena-integrity';
import { LumenError } from '#protocol/errors';
import { OpenAIClient } from '#protocol/openai-client';
import { ApiError } from './errors';

export type ModerationConfig = { url?: string; apiKey?: string; model?: string; words: readonly string[] };
export type Moderator = (text: string) => Promise<ModerateResponse>;

const ModerationResultSchema = z.object({
	results: z
		.array(z.object({ flagged: z.boolean(), categories: z.record(z.string(), z.boolean().nullable()).optional() }))
		.min(1)
});

const flagged = (categories: string[]): ModerateResponse => ({ flagged: true, categories, message: MODERATION_MESSAGE });
const clean: ModerateResponse = { flagged: false, categories: [] };

/** The word list: a prompt containing any word (case-insensitive, as a substring) is flagged. */
export function wordListModerator(words: readonly string[]): Moderator {
	const lower = words.map((w) => w.toLowerCase()).filter(Boolean);
	return async (text) => {
		const t = text.toLowerCase();
		return lower.some((w) => t.includes(w)) ? flagged(['word_list']) : clean;
	};
}

/** An OpenAI-compatible moderation endpoint; `url` is its `/v1` base or the full `…/moderations` URL. */
export function endpointModerator(url: string, apiKey?: string, model?: string, fetchImpl?: typeof fetch): Moderator {
	const client = new OpenAIClient({ url: url.replace(/\/+$/, '').replace(/\/moderations$/, ''), apiKey, label: 'moderation server', fetch: fetchImpl });
	const path = `${client.api.slice(client.root.length)}/moderations`;
	return async (text) => {
		let answer: z.infer<typeof ModerationResultSchema>;
		try {
			answer = await client.postJSON(path, { input: text, ...(model ? { model } : {}) }, ModerationResultSchema, { timeoutMs: 15_000 });
		} catch (err) {
			const why = err instanceof LumenError ? err.message : String(err);
			throw new ApiError(503, 'server_error', 'moderation_unavailable', `The arena's moderation check could not run (${why}). Try again shortly.`, null, {
				'Retry-After': '5'
			});
		}
		const result = answer.results[0];
		if (!result.flagged) return clean;
		return flagged(Object.entries(result.categories ?? {}).flatMap(([k, v]) => (v ? [k] : [])));
	};
}

export function createModerator(config: ModerationConfig): Moderator {
	return config.url ? endpointModerator(config.url, config.apiKey, config.model) : wordListModerator(config.words);
}
