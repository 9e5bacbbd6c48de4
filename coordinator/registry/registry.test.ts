import { describe, expect, it } from 'vitest';
import { WorkerRegistrationSchema, type WorkerRegistrationInput } from '#protocol/coordinator';
import { createRegistry } from './registry';

function setup() {
	let now = 1_000_000;
	const clock = { now: () => now, advance: (ms: number) => (now += ms) };
	const registry = createRegistry({ clock: clock.now, expiryMs: 90_000, failureCooldownMs: 10_000 });
	const reg = (input: Partial<WorkerRegistrationInput> & { worker_id: string }) =>
		WorkerRegistrationSchema.parse({ url: `http://127.0.0.1:1/v1`, models: [{ id: 'tiny' }], ...input });
	return { registry, clock, reg };
}

describe('worker registry', () => {
	it('keeps a browser worker listed while its socket owner keeps it (no HTTP expiry), and weighs it by its reported speed', () => {
		const { registry, clock, reg } = setup();
		registry.register(reg({ worker_id: 'native', speed: 10 }));
		registry.register(reg({ worker_id: 'browser-1', url: 'http://unused/v1', speed: 10 }), { kind: 'browser' });
		clock.advance(90_001);
		expect(registry.sweep()).toEqual(['native']);
		expect(registry.list().map((w) => [w.worker_id, w.kind])).toEqual([['browser-1', 'browser']]);
		registry.register(reg({ worker_id: 'native', speed: 10 }));
		// A status with a measured speed replaces the one the tab said hello with; lottery follows it.
		expect(registry.heartbeat('browser-1', 0, 30)).toBe(true);
		expect(registry.get('browser-1')?.speed).toBe(30);
		let n = 0;
		const rng = () => ((n = (n + 0.37) % 1), n);
		const wins = { native: 0, 'browser-1': 0 } as Record<string, number>;
		for (let i = 0; i < 2_000; i++) {
			const w = registry.choose('tiny', 'chat', 'lottery', rng);
			if ('id' in w) wins[w.id]++;
		}
		expect(wins['browser-1'] / 2_000).toBeGreaterThan(0.7);
		expect(wins['browser-1'] / 2_000).toBeLessThan(0.8);
		// shortest_queue: the faster worker drains the same backlog sooner.
		registry.heartbeat('browser-1', 2, 30);
		registry.heartbeat('native', 1);
		expect(registry.choose('tiny', 'chat', 'shortest_queue', rng)).toMatchObject({ id: 'browser-1' });
		registry.deregister('browser-1');
		expect(registry.list().map((w) => w.worker_id)).toEqual(['native']);
	});

	it('replaces a worker that registers again under the same id instead of duplicating it', () => {
		const { registry, reg } = setup();
		registry.register(reg({ worker_id: 'w1', url: 'http://a/v1' }));
		registry.register(reg({ worker_id: 'w1', url: 'http://b/v1' }));
		expect(registry.list().map((w) => w.url)).toEqual(['http://b/v1']);
	});

	it('expires a worker that missed heartbeats for longer than the expiry, swept on a timer', () => {
		const { registry, clock, reg } = setup();
		registry.register(reg({ worker_id: 'w1' }));
		clock.advance(60_000);
		expect(registry.heartbeat('w1', 0)).toBe(true);
		clock.advance(90_000);
		expect(registry.sweep()).toEqual([]);
		clock.advance(1);
		expect(registry.sweep()).toEqual(['w1']);
		expect(registry.list()).toEqual([]);
	});

	it('does not dispatch to an expired worker even before the sweep runs', () => {
		const { registry, clock, reg } = setup();
		registry.register(reg({ worker_id: 'w1' }));
		clock.advance(90_001);
		expect(registry.lookup('tiny', 'chat').kind).toBe('unavailable');
		expect(registry.modelIds()).toEqual([]);
	});

	it('tells an expired or unknown worker to register again on heartbeat', () => {
		const { registry, clock, reg } = setup();
		expect(registry.heartbeat('ghost', 0)).toBe(false);
		registry.register(reg({ worker_id: 'w1' }));
		clock.advance(90_001);
		expect(registry.heartbeat('w1', 0)).toBe(false);
	});

	it('records the queue length a heartbeat reports, net of our own in-flight requests for dispatch', () => {
		const { registry, reg } = setup();
		registry.register(reg({ worker_id: 'w1' }));
		registry.acquire('w1');
		registry.heartbeat('w1', 7);
		expect(registry.list()[0].queue_length).toBe(7);
		expect(registry.get('w1')?.queue_length).toBe(6);
	});

	it('does not let a stale beat from a now-idle worker outweigh a worker busy with our request', () => {
		const { registry, reg } = setup();
		registry.register(reg({ worker_id: 'was-busy' }));
		registry.register(reg({ worker_id: 'busy-now' }));
		// was-busy beat while serving one of our requests, which has finished since.
		registry.acquire('was-busy');
		registry.heartbeat('was-busy', 1);
		registry.release('was-busy');
		// busy-now beat before our stream to it started.
		registry.heartbeat('busy-now', 0);
		registry.acquire('busy-now');
		for (const r of [0, 0.5, 0.99]) {
			const chosen = registry.choose('tiny', 'chat', 'shortest_queue', () => r);
			expect('id' in chosen && chosen.id).toBe('was-busy');
		}
	});

	it('never expires static upstreams while they are healthy', () => {
		const { registry, clock, reg } = setup();
		registry.register(reg({ worker_id: 'up' }), { kind: 'upstream' });
		clock.advance(10 * 90_000);
		expect(registry.sweep()).toEqual([]);
		expect(registry.lookup('tiny', 'chat').kind).toBe('ok');
		registry.setUpstreamHealth('up', false);
		expect(registry.lookup('tiny', 'chat').kind).toBe('unavailable');
	});

	it('tells unknown models from known ones that have no usable worker now', () => {
		const { registry, reg } = setup();
		expect(registry.lookup('tiny', 'chat').kind).toBe('unknown');
		registry.register(reg({ worker_id: 'w1' }));
		registry.deregister('w1');
		expect(registry.lookup('tiny', 'chat').kind).toBe('unavailable');
	});

	it('offers a model only for the capabilities its worker declared', () => {
		const { registry, reg } = setup();
		registry.register(reg({ worker_id: 'w1', models: [{ id: 'tiny', capabilities: ['chat'] }] }));
		expect(registry.lookup('tiny', 'chat').kind).toBe('ok');
		expect(registry.lookup('tiny', 'embeddings').kind).toBe('unsupported');
	});

	it('lists each live model once, with every capability its workers offer and the smallest context window', () => {
		const { registry, clock, reg } = setup();
		registry.register(reg({ worker_id: 'w1', models: [{ id: 'vl', context_length: 8192, capabilities: ['chat', 'completions'] }] }));
		registry.register(reg({ worker_id: 'w2', models: [{ id: 'vl', context_length: 4096, capabilities: ['vision', 'chat', 'embeddings'] }, { id: 'b' }] }));
		expect(registry.catalog()).toEqual([
			{ id: 'b', capabilities: ['chat', 'completions'] },
			{ id: 'vl', context_length: 4096, capabilities: ['chat', 'completions', 'embeddings', 'vision'] }
		]);
		clock.advance(60_000);
		registry.heartbeat('w1', 0);
		clock.advance(40_000);
		// w2 expired: what it alone offered goes with it.
		expect(registry.catalog()).toEqual([{ id: 'vl', context_length: 8192, capabilities: ['chat', 'completions'] }]);
	});

	it('skips a failed worker for the cooldown while another serves the model, then offers it again', () => {
		const { registry, clock, reg } = setup();
		registry.register(reg({ worker_id: 'w1' }));
		registry.register(reg({ worker_id: 'w2' }));
		registry.markFailed('w1');
		const during = registry.lookup('tiny', 'chat');
		expect(during.kind === 'ok' && during.candidates.map((w) => w.id)).toEqual(['w2']);
		clock.advance(10_000);
		const after = registry.lookup('tiny', 'chat');
		expect(after.kind === 'ok' && after.candidates.map((w) => w.id)).toEqual(['w1', 'w2']);
	});

	it('never leaves a model without a worker for a cooldown: the last one left is still tried', () => {
		const { registry, reg } = setup();
		registry.register(reg({ worker_id: 'w1' }));
		registry.markFailed('w1');
		const only = registry.lookup('tiny', 'chat');
		expect(only.kind === 'ok' && only.candidates.map((w) => w.id)).toEqual(['w1']);
		// Within one request, a worker already tried is not tried again.
		expect(registry.lookup('tiny', 'chat', new Set(['w1'])).kind).toBe('unavailable');
	});

	it('counts in-flight requests and keeps them across a re-registration', () => {
		const { registry, reg } = setup();
		registry.register(reg({ worker_id: 'w1' }));
		registry.acquire('w1');
		registry.acquire('w1');
		registry.register(reg({ worker_id: 'w1' }));
		registry.release('w1');
		expect(registry.get('w1')?.in_flight).toBe(1);
		registry.release('w1');
		registry.release('w1');
		expect(registry.get('w1')?.in_flight).toBe(0);
	});

	it('chooses the idle worker under shortest_queue and can exclude one already tried', () => {
		const { registry, reg } = setup();
		registry.register(reg({ worker_id: 'a' }));
		registry.register(reg({ worker_id: 'b' }));
		registry.acquire('a');
		const chosen = registry.choose('tiny', 'chat', 'shortest_queue', () => 0);
		expect('id' in chosen && chosen.id).toBe('b');
		const other = registry.choose('tiny', 'chat', 'shortest_queue', () => 0, new Set(['b']));
		expect('id' in other && other.id).toBe('a');
	});
});
