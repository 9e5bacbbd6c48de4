// One conversation at a time: sending, streaming, stopping, regenerating, and keeping it in IndexedDB.
// Invariants: a stopped or failed answer keeps its partial text; streamed text reaches $state at most
// once per animation frame; every finished turn is saved before the UI says it is done.
import { toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import type { ChatCompletionRequest, ChatMessage } from '$lib/protocol/openai';
import {
	deleteConversation,
	exportConversation,
	getConversation,
	listConversations,
	newConversation,
	saveConversation,
	type Conversation,
	type ConversationSummary,
	type StoredMessage
} from '$lib/storage';
import type { EngineState } from './engine-state.svelte';
import { FrameBuffer } from './stream-buffer';

export type Params = { systemPrompt: string; temperature: number; top_p: number; max_tokens: number };

export const DEFAULT_PARAMS: Params = { systemPrompt: 'You are a helpful assistant.', temperature: 0.7, top_p: 1, max_tokens: 256 };

export class ChatState {
	conversation = $state<Conversation>(newConversation());
	summaries = $state<ConversationSummary[]>([]);
	params = $state<Params>({ ...DEFAULT_PARAMS });
	generating = $state(false);
	error = $state<LumenErrorData | null>(null);
	private controller: AbortController | null = null;

	constructor(private readonly engines: EngineState) {}

	async init(): Promise<void> {
		await this.refreshList();
		const latest = this.summaries[0];
		if (latest) await this.open(latest.id);
	}

	async refreshList(): Promise<void> {
		this.summaries = await listConversations();
	}

	async open(id: string): Promise<void> {
		if (this.generating) this.stop();
		const conv = await getConversation(id);
		if (!conv) return;
		this.conversation = conv;
		this.params = { systemPrompt: conv.systemPrompt, ...conv.params };
		if (conv.modelId && this.engines.models.some((m) => m.id === conv.modelId)) this.engines.select(conv.modelId);
	}

	startNew(): void {
		if (this.generating) this.stop();
		this.conversation = newConversation();
		this.error = null;
	}

	async remove(id: string): Promise<void> {
		await deleteConversation(id);
		if (this.conversation.id === id) this.startNew();
		await this.refreshList();
	}

	async exportJson(id: string): Promise<string> {
		return exportConversation(id);
	}

	async send(text: string): Promise<void> {
		const content = text.trim();
		if (!content || this.generating) return;
		this.conversation.messages.push(message('user', content));
		if (this.conversation.title === 'New chat') this.conversation.title = content.slice(0, 60);
		await this.generate();
	}

	async regenerate(): Promise<void> {
		if (this.generating) return;
		const msgs = this.conversation.messages;
		if (msgs.length && msgs[msgs.length - 1].role === 'assistant') msgs.pop();
		if (!msgs.length) return;
		await this.generate();
	}

	async clear(): Promise<void> {
		if (this.generating) this.stop();
		this.conversation.messages = [];
		this.error = null;
		await this.persist();
	}

	stop(): void {
		this.controller?.abort();
	}

	private request(history: StoredMessage[]): ChatCompletionRequest {
		const messages: ChatMessage[] = [];
		if (this.params.systemPrompt.trim()) messages.push({ role: 'system', content: this.params.systemPrompt });
		for (const m of history) messages.push({ role: m.role, content: m.content });
		return {
			model: this.engines.modelId,
			messages,
			temperature: this.params.temperature,
			top_p: this.params.top_p,
			max_tokens: this.params.max_tokens,
			stream: true
		};
	}

	private async generate(): Promise<void> {
		this.error = null;
		this.generating = true;
		const controller = new AbortController();
		this.controller = controller;
		try {
			if (!(await this.engines.load())) {
				this.error = this.engines.error ?? { code: 'model_load_failed', message: 'The model did not load.', retryable: true };
				return;
			}
			if (controller.signal.aborted) return;
			const request = this.request(this.conversation.messages);
			this.conversation.modelId = this.engines.modelId;
			this.conversation.messages.push(message('assistant', ''));
			const reply = this.conversation.messages[this.conversation.messages.length - 1];
			reply.modelId = this.engines.modelId;
			const buffer = new FrameBuffer((t) => (reply.content += t));
			const started = performance.now();
			let firstAt = 0;
			let tokens = 0;
			try {
				for await (const chunk of this.engines.chatEngine.chat(request, { signal: controller.signal })) {
					const delta = chunk.choices[0]?.delta.content ?? '';
					if (delta && !firstAt) firstAt = performance.now();
					buffer.push(delta);
					if (chunk.choices[0]?.finish_reason) reply.stats = { ...(reply.stats ?? emptyStats()), finishReason: chunk.choices[0].finish_reason };
					if (chunk.usage) tokens = chunk.usage.completion_tokens;
				}
				if (controller.signal.aborted) reply.stats = { ...(reply.stats ?? emptyStats()), finishReason: 'abort' };
			} catch (err) {
				const e = toLumenError(err, 'generation_failed');
				this.error = e.toData();
				reply.error = e.message;
				reply.stats = { ...(reply.stats ?? emptyStats()), finishReason: 'error' };
			} finally {
				buffer.flush();
				const end = performance.now();
				const decodeMs = firstAt ? end - firstAt : 0;
				reply.stats = {
					...(reply.stats ?? emptyStats()),
					ttftMs: firstAt ? Math.round(firstAt - started) : null,
					tokens,
					tokensPerSecond: tokens > 1 && decodeMs > 0 ? ((tokens - 1) * 1000) / decodeMs : null
				};
			}
		} finally {
			this.generating = false;
			if (this.controller === controller) this.controller = null;
			await this.persist();
		}
	}

	private async persist(): Promise<void> {
		this.conversation.updatedAt = Date.now();
		this.conversation.systemPrompt = this.params.systemPrompt;
		this.conversation.params = { temperature: this.params.temperature, top_p: this.params.top_p, max_tokens: this.params.max_tokens };
		try {
			await saveConversation($state.snapshot(this.conversation) as Conversation);
			await this.refreshList();
		} catch (err) {
			this.error = toLumenError(err, 'storage_failed').toData();
		}
	}
}

function emptyStats(): NonNullable<StoredMessage['stats']> {
	return { ttftMs: null, tokensPerSecond: null, tokens: 0, finishReason: null };
}

function message(role: 'user' | 'assistant', content: string): StoredMessage {
	return { id: crypto.randomUUID(), role, content, createdAt: Date.now() };
}
