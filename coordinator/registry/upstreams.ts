// Static upstreams from config (any OpenAI-compatible server: vLLM, llama.cpp, Ollama, another
// coordinator): their models (with context windows, when listed) are discovered from `/v1/models` at
// startup and periodically and registered like workers that never expire; a failed discovery marks the
// upstream unhealthy. Requests reach them unchanged, so they are offered for everything they may answer.
import { relayedModels } from '#protocol/coordinator';
import { OpenAIClient } from '#protocol/openai-client';
import type { Upstream } from '../config';
import type { Registry } from './registry';

export const upstreamId = (u: Upstream) => `upstream:${u.name ?? u.url}`;

export type UpstreamDiscoveryOptions = {
	upstreams: readonly Upstream[];
	registry: Registry;
	intervalMs: number;
	timeoutMs?: number;
	log?: (line: string) => void;
};

export function createUpstreamDiscovery({ upstreams, registry, intervalMs, timeoutMs = 5_000, log = console.log }: UpstreamDiscoveryOptions) {
	let timer: NodeJS.Timeout | null = null;
	const healthy = new Map<string, boolean>();

	async function discover(u: Upstream): Promise<void> {
		const id = upstreamId(u);
		try {
			// A root URL and a `/v1` URL both work: the client normalises, and the OpenAI base is registered.
			const client = new OpenAIClient({ url: u.url, apiKey: u.api_key, label: 'upstream', keyHint: 'Check its api_key in LUMEN_UPSTREAMS.' });
			const served = await client.listModels({ timeoutMs });
			if (served.length === 0) throw new Error('it lists no models');
			registry.register(
				{
					worker_id: id,
					url: client.api,
					// An upstream answers for itself if asked for something it cannot do.
					models: relayedModels(served, u.vision_models),
					speed: 1,
					max_concurrency: 1,
					queue_length: 0,
					backend: 'openai-upstream'
				},
				{ kind: 'upstream', api_key: u.api_key }
			);
			if (healthy.get(id) !== true) log(`upstream ${id}: ${served.map((m) => m.id).join(', ')}`);
			healthy.set(id, true);
		} catch (err) {
			registry.setUpstreamHealth(id, false);
			if (healthy.get(id) !== false) log(`upstream ${id} unreachable: ${(err as Error).message}`);
			healthy.set(id, false);
		}
	}

	const discoverAll = () => Promise.all(upstreams.map(discover)).then(() => undefined);

	/** Runs the first round (so models are listed once the server listens), then repeats on a timer. */
	async function start(): Promise<void> {
		if (upstreams.length === 0) return;
		await discoverAll();
		const tick = () => {
			timer = setTimeout(() => void discoverAll().finally(() => timer && tick()), intervalMs);
			timer.unref();
		};
		tick();
	}

	function stop() {
		if (timer) clearTimeout(timer);
		timer = null;
	}

	return { start, stop, discoverAll };
}
