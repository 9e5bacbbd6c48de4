// The update prompt: only a worker waiting behind a controller is offered; Reload waits for the switch.
import { describe, expect, it, vi } from 'vitest';
import { UpdatePrompt, type SwContainer } from './update-prompt.svelte';

class FakeWorker extends EventTarget {
	state: ServiceWorkerState = 'installing';
	postMessage = vi.fn();
	become(state: ServiceWorkerState) {
		this.state = state;
		this.dispatchEvent(new Event('statechange'));
	}
}

function setup(opts: { controlled: boolean; waiting?: FakeWorker }) {
	const registration = Object.assign(new EventTarget(), { waiting: opts.waiting ?? null, installing: null as FakeWorker | null });
	const container = Object.assign(new EventTarget(), {
		ready: Promise.resolve(registration),
		controller: opts.controlled ? {} : null
	}) as unknown as SwContainer & EventTarget;
	const reload = vi.fn();
	return { registration, container, reload, prompt: new UpdatePrompt(container, reload) };
}

describe('UpdatePrompt', () => {
	it('offers an update that installs behind the controlling worker, and reloads once it takes over', async () => {
		const { registration, container, reload, prompt } = setup({ controlled: true });
		await prompt.watch();
		const next = new FakeWorker();
		registration.installing = next;
		registration.dispatchEvent(new Event('updatefound'));
		expect(prompt.waiting).toBeNull();
		next.become('installed');
		expect(prompt.waiting).toBe(next);

		prompt.apply();
		expect(next.postMessage).toHaveBeenCalledWith('SKIP_WAITING');
		expect(reload).not.toHaveBeenCalled();
		container.dispatchEvent(new Event('controllerchange'));
		expect(reload).toHaveBeenCalledOnce();
	});

	it('notices a worker that was already waiting', async () => {
		const waiting = new FakeWorker();
		waiting.state = 'installed';
		const { prompt } = setup({ controlled: true, waiting });
		await prompt.watch();
		expect(prompt.waiting).toBe(waiting);
	});

	it('says nothing on a first install, which takes the page by itself', async () => {
		const { registration, prompt } = setup({ controlled: false });
		await prompt.watch();
		const first = new FakeWorker();
		registration.installing = first;
		registration.dispatchEvent(new Event('updatefound'));
		first.become('installed');
		expect(prompt.waiting).toBeNull();
	});
});
