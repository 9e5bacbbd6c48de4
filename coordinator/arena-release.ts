// The coordinator's battle exports (GET /api/arena/battles.jsonl):
// - the operator's export (default): every stored vote with its analysis fields, battle id and, for a
//   vote the board leaves out, why (`excluded`); no voter ids, no conversations;
// - the release (`?clean=1`): FastChat's clean-battle records (clean_battle_data.py, conv_release mode
//   when conversations were shared) of the votes the board counts: `question_id`, the models, winner,
//   `judge` ("arena_user_" + a hash of the voter hash, so released ids cannot be matched with stored
//   ones), turn, anony, language, tstamp, conv_metadata, is_code, deduplication.py's `dedup_tag`, and
//   `conversation_a`/`conversation_b` only for battles whose voter agreed to share them.
import { createHash } from 'node:crypto';
import { copyBattleExtras } from '#rating/battle';
import { dedupTags } from '#rating/dedup';
import { nextPromptHash, type VoteRecord } from './storage/arena-repository';

const jsonl = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r) + '\n').join('');

/** Every stored vote, oldest first, in FastChat's battle shape plus `battle_id` and `excluded`. */
export function operatorExport(records: readonly VoteRecord[]): string {
	return jsonl(
		records.map((r) => {
			const { battle_id, model_a, model_b, winner, anony, tstamp, turn } = r;
			return { ...copyBattleExtras(r, { model_a, model_b, winner, anony, tstamp, turn }), battle_id, ...(r.excluded ? { excluded: r.excluded } : {}) };
		})
	);
}

/** The fingerprint deduplication keys on: the battle's chained prompt hash, or the same chain over a shared conversation's prompts. */
export function promptKey(record: VoteRecord): string | null {
	if (record.prompt_hash) return record.prompt_hash;
	const prompts = record.conversation?.conversation_a.filter((m) => m.role === 'user').map((m) => m.content);
	return prompts?.length ? prompts.reduce<string | null>(nextPromptHash, null) : null;
}

export type ReleaseOptions = {
	/** The coordinator's voter salt: released judge ids are derived from it and the stored voter hash. */
	salt: string;
	/** deduplication.py's percentile. */
	percentile: number;
	/** Voters the anomalous-voter test flags: their votes are not released, as they are not rated. */
	anomalous: ReadonlySet<string>;
};

/** FastChat's clean-battle records of the counted votes, oldest first. */
export function cleanRelease(records: readonly VoteRecord[], options: ReleaseOptions): string {
	const kept = records.filter((r) => r.excluded === null && !(r.voter_hash !== null && options.anomalous.has(r.voter_hash)));
	const tags = dedupTags(kept.map(promptKey), options.percentile);
	const judge = (voter: string | null) =>
		voter === null ? 'arena_user_unknown' : `arena_user_${createHash('sha256').update(options.salt).update('\0release\0').update(voter).digest('hex').slice(0, 16)}`;
	return jsonl(
		kept.map((r, i) => ({
			question_id: r.battle_id,
			model_a: r.model_a,
			model_b: r.model_b,
			winner: r.winner,
			judge: judge(r.voter_hash),
			...(r.conversation ?? {}),
			turn: r.turn,
			anony: r.anony,
			language: r.language ?? 'unknown',
			tstamp: r.tstamp,
			...(r.conv_metadata ? { conv_metadata: r.conv_metadata } : {}),
			...(r.is_code !== undefined ? { is_code: r.is_code } : {}),
			dedup_tag: tags[i]
		}))
	);
}
