// Checks a cached model before it is used: a manifest whose chunks are missing or whose sizes do not add
// up is deleted with its chunks, so the next load downloads cleanly instead of failing half-way.
import { deleteCachedModel, defaultWeightStores, verifyCachedModel, type VerifyResult, type WeightStores } from '$lib/storage';

export type BeforeUse = { cached: boolean; ok: boolean; removed: boolean; problem?: string; result: VerifyResult };

/** For the chat's load path (engine-state) and the models page alike: call before loading a cached model. */
export async function verifyBeforeUse(modelId: string, stores: WeightStores = defaultWeightStores): Promise<BeforeUse> {
	const result = await verifyCachedModel(modelId, {}, stores);
	if (!result.cached || result.ok) return { cached: result.cached, ok: result.ok, removed: false, result };
	const bad = result.files.find((f) => !f.ok);
	await deleteCachedModel(modelId, stores);
	return { cached: false, ok: false, removed: true, problem: bad ? `${bad.url}: ${bad.reason}` : 'file sizes do not add up', result };
}
