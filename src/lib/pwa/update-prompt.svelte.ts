// "New version available": notices a service worker waiting behind the one in control, and on request
// lets it take over (SKIP_WAITING) and reloads once it controls the page.

/** The parts of `navigator.serviceWorker` this needs; tests pass a fake. */
export type SwContainer = Pick<ServiceWorkerContainer, 'ready' | 'controller' | 'addEventListener'>;

export class UpdatePrompt {
	waiting = $state<ServiceWorker | null>(null);
	reloading = $state(false);

	constructor(
		private readonly container: SwContainer,
		private readonly reload: () => void = () => location.reload()
	) {}

	/** Starts watching the registration; resolves once it is being watched. */
	async watch(): Promise<void> {
		const registration = await this.container.ready;
		// Only an update waits behind a controller; a first install takes the page directly.
		const track = (worker: ServiceWorker | null) => {
			if (!worker) return;
			const check = () => {
				if (worker.state === 'installed' && this.container.controller) this.waiting = worker;
			};
			check();
			worker.addEventListener('statechange', check);
		};
		track(registration.waiting);
		track(registration.installing);
		registration.addEventListener('updatefound', () => track(registration.installing));
	}

	apply(): void {
		const worker = this.waiting;
		if (!worker || this.reloading) return;
		this.reloading = true;
		this.container.addEventListener('controllerchange', () => this.reload(), { once: true });
		worker.postMessage('SKIP_WAITING');
	}
}
