// One side of an arena battle: its own EngineState (so its own worker) and its own conversation.
// Invariant: the model name never reaches a message, so nothing on screen leaks it before the vote.
import type { EngineState } from '$lib/chat/engine-state.svelte';
import { streamReply } from '$lib/chat/stream-reply';
import type { LumenErrorData } from '$lib/protocol/errors';
import type { ChatCompletionRequest, ChatMessage } from '$lib/protocol/openai';
import type { StoredMessage } from '$lib/storage';

export type SideParams = { temperature: number; max_tokens: number };
/** What a side needs of its engines: EngineState in the app, a scripted fake in unit tests. */
export type SideEngines = Pick<
	EngineState,
	'modelId' | 'models' | 'status' | 'progress' | 'error' | 'init' | 'select' | 'load' | 'cancelLoad' | 'routeFor' | 'chatEngine' | 'release'
>;

export class BattleSide {
	messages = $state<StoredMessage[]>([]);
	generating = $state(false);
	error = $state<LumenErrorData | null>(null);
	private controller: AbortController | null = null;

	constructor(readonly engines: SideEngines) {}

	get modelId(): string {
		return this.engines.modelId;
	}

	/** True once the last message is a finished answer (even a failed one: the person can still judge it). */
	get complete(): boolean {
		return !this.generating && this.messages.at(-1)?.role === 'assistant';
	}

	reset(modelId: string): void {
		this.stop();
		this.messages = [];
		this.error = null;
		this.engines.select(modelId);
	}

	stop(): void {
		this.controller?.abort();
	}

	/** Answers the conversation so far (which must end with the person's message). */
	async answer(params: SideParams): Promise<void> {
		if (this.generating) return;
		this.error = null;
		this.generating = true;
		const controller = new AbortController();
		this.controller = controller;
		const reply: StoredMessage = { id: crypto.randomUUID(), role: 'assistant', content: '', createdAt: Date.now() };
		try {
			if (!(await this.engines.load())) {
				this.error = this.engines.error ?? { code: 'model_load_failed', message: 'The model did not load.', retryable: true };
				reply.error = this.error.message;
				this.messages.push(reply);
				return;
			}
			const request = this.request(params);
			this.messages.push(reply);
			const error = await streamReply(this.engines.chatEngine, request, this.messages[this.messages.length - 1], { signal: controller.signal });
			this.error = error?.toData() ?? null;
		} finally {
			this.generating = false;
			if (this.controller === controller) this.controller = null;
		}
	}

	private request(params: SideParams): ChatCompletionRequest {
		const messages: ChatMessage[] = this.messages.map((m) => ({ role: m.role, content: m.content }));
		return { model: this.engines.modelId, messages, temperature: params.temperature, max_tokens: params.max_tokens, stream: true };
	}
}
