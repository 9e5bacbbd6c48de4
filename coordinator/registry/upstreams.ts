// Static upstreams from config (any OpenAI-compatible server: vLLM, llama.cpp, Ollama, another
// coordinator): their models are discovered from `<url>/models` at startup and periodically and
// registered like workers that never expire; a failed discovery marks the upstream unhealthy.
import { z } from 'zod';
import type { Upstream } from '../config';
import type { Registry } from './registry';

const DiscoveredModelsSchema = z.object({ data: z.array(z.object({ id: z.string().min(1) })) });

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
			const res = await fetch(`${u.url}/models`, {
				headers: u.api_key ? { authorization: `Bearer ${u.api_key}` } : {},
				signal: AbortSignal.timeout(timeoutMs)
			});
			if (!res.ok) throw new Error(`GET /models answered ${res.status}`);
			const { data } = DiscoveredModelsSchema.parse(await res.json());
			if (data.length === 0) throw new Error('it lists no models');
			registry.register(
				{
					worker_id: id,
					url: u.url,
					// An upstream does not say what it can do; it answers for itself if asked for something it cannot.
					models: data.map((m) => ({ id: m.id, capabilities: ['chat', 'completions', 'embeddings'] })),
					speed: 1,
					max_concurrency: 1,
					queue_length: 0,
					backend: 'openai-upstream'
				},
				{ kind: 'upstream', api_key: u.api_key }
			);
			if (healthy.get(id) !== true) log(`upstream ${id}: ${data.map((m) => m.id).join(', ')}`);
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
