// One conversation at a time: sending, streaming, stopping, regenerating, and keeping it in IndexedDB.
// Invariants: an answer is written only into the conversation that asked for it, even after the person
// moved on; a stopped or failed answer keeps its partial text; every finished turn is saved before the UI says it is done.
import { toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import type { ChatCompletionRequest, WireMessage } from '$lib/protocol/openai';
import type { ChatFormatChoice } from '$lib/protocol/worker-api';
import {
	defaultConversationStore,
	deleteConversation,
	exportConversation,
	getConversation,
	listConversations,
	newConversation,
	NEW_CHAT_TITLE,
	saveConversation,
	withSummary,
	type Conversation,
	type ConversationSummary,
	type KeyValueStore,
	type StoredImage,
	type StoredMessage
} from '$lib/storage';
import type { EngineState } from './engine-state.svelte';
import { streamReply } from './stream-reply';
import { dropOldestTurn } from './turns';
import { hasImages, toWireMessage } from './wire-messages';

/** `chatTemplate`: a registry template name, '' for the model's own (or the one its id matches). */
export type Params = { systemPrompt: string; temperature: number; top_p: number; max_tokens: number; chatTemplate: string };

export const DEFAULT_PARAMS: Params = { systemPrompt: 'You are a helpful assistant.', temperature: 0.7, top_p: 1, max_tokens: 256, chatTemplate: '' };

/** What the chat needs of its engines: EngineState in the app, a scripted stand-in in unit tests. */
export type ChatEngines = Pick<EngineState, 'modelId' | 'models' | 'error' | 'load' | 'select' | 'chatEngine' | 'formatsPrompts' | 'images'>;

export class ChatState {
	conversation = $state<Conversation>(newConversation());
	summaries = $state<ConversationSummary[]>([]);
	params = $state<Params>({ ...DEFAULT_PARAMS });
	generating = $state(false);
	error = $state<LumenErrorData | null>(null);
	/** The answer being streamed, whichever conversation it belongs to. */
	private running: { conversationId: string; controller: AbortController; done: Promise<void> } | null = null;

	constructor(
		private readonly engines: ChatEngines,
		private readonly store: KeyValueStore = defaultConversationStore
	) {}

	/**
	 * Shows the latest conversation. `modelsKnown` settles once the engines have listed their models (a
	 * coordinator's come later than the stored conversation): its model is picked then, so a reload keeps it.
	 */
	async init(modelsKnown?: Promise<unknown>): Promise<void> {
		await this.refreshList();
		const latest = this.summaries[0];
		if (latest) await this.open(latest.id);
		if (!modelsKnown) return;
		await modelsKnown.catch(() => undefined);
		this.pickModelOf(this.conversation);
	}

	/** Reads every stored conversation: only on start; saves update the list in place. */
	async refreshList(): Promise<void> {
		this.summaries = await listConversations(this.store);
	}

	async open(id: string): Promise<void> {
		// Wait for a running answer to be saved, so opening its own conversation reads the latest copy.
		await this.settle();
		const conv = await getConversation(id, this.store);
		if (!conv) return;
		this.conversation = conv;
		// The chat template is a setting of this page, not of a conversation: it stays as chosen.
		this.params = { systemPrompt: conv.systemPrompt, ...conv.params, chatTemplate: this.params.chatTemplate };
		this.error = null;
		this.pickModelOf(conv);
	}

	private pickModelOf(conv: Conversation): void {
		if (this.conversation === conv && conv.modelId && this.engines.models.some((m) => m.id === conv.modelId)) this.engines.select(conv.modelId);
	}

	/** Shows a fresh conversation; a running answer is stopped and saved into the conversation it belongs to. */
	startNew(): void {
		this.stop();
		this.conversation = newConversation();
		this.error = null;
	}

	async remove(id: string): Promise<void> {
		// A running answer saves its conversation when it ends: let it, then delete, or the delete is undone.
		if (this.running?.conversationId === id) await this.settle();
		await deleteConversation(id, this.store);
		this.summaries = this.summaries.filter((c) => c.id !== id);
		if (this.conversation.id === id) this.startNew();
	}

	async exportJson(id: string): Promise<string> {
		return exportConversation(id, this.store);
	}

	/**
	 * Whether a message with `images` may go to the picked model: images go only to one that can see them,
	 * and a conversation that has images only to such a model too. When not, `error` says why and what to do.
	 */
	accepts(images: readonly StoredImage[] = []): boolean {
		const support = this.engines.images;
		if (support.ok) return true;
		if (images.length) this.error = { code: 'bad_request', message: support.reason, retryable: false, i18n: support.text };
		else if (hasImages(this.conversation.messages))
			this.error = {
				code: 'bad_request',
				message: `This conversation has images. ${support.reason} To go on in text only, start a new chat.`,
				retryable: false,
				i18n: { key: 'error.text.conversationHasImages', reason: { code: 'bad_request', ...support.text } }
			};
		else return true;
		return false;
	}

	async send(text: string, images: readonly StoredImage[] = []): Promise<void> {
		const content = text.trim();
		if ((!content && !images.length) || this.generating || !this.accepts(images)) return;
		this.conversation.messages.push(images.length ? { ...message('user', content), images: [...images] } : message('user', content));
		if (this.conversation.title === NEW_CHAT_TITLE) this.conversation.title = content.slice(0, 60) || images[0].name;
		await this.generate();
	}

	async regenerate(): Promise<void> {
		if (this.generating || !this.accepts()) return;
		const msgs = this.conversation.messages;
		if (msgs.length && msgs[msgs.length - 1].role === 'assistant') msgs.pop();
		if (!msgs.length) return;
		await this.generate();
	}

	async clear(): Promise<void> {
		await this.settle();
		this.conversation.messages = [];
		this.error = null;
		await this.persist(this.conversation);
	}

	stop(): void {
		this.running?.controller.abort();
	}

	/** The last answer failed because the conversation is longer than the model's context, and older turns can go. */
	get canDropOldest(): boolean {
		return this.error?.code === 'context_length_exceeded' && dropOldestTurn([...this.conversation.messages]) !== null;
	}

	/**
	 * Removes the oldest user/assistant turn and asks again, until the answer fits or only the last user
	 * message is left. The system prompt is a parameter, not a turn, so it always stays.
	 */
	async dropOldestTurns(): Promise<void> {
		const conversation = this.conversation;
		while (!this.generating && this.conversation === conversation && this.canDropOldest) {
			const msgs = conversation.messages;
			if (msgs.at(-1)?.role === 'assistant') msgs.pop(); // the failed, empty answer
			conversation.messages = dropOldestTurn(msgs) ?? msgs;
			await this.generate();
		}
	}

	private async request(history: StoredMessage[]): Promise<ChatCompletionRequest> {
		const messages: WireMessage[] = [];
		if (this.params.systemPrompt.trim()) messages.push({ role: 'system', content: this.params.systemPrompt });
		for (const m of history) messages.push(await toWireMessage(m));
		return {
			model: this.engines.modelId,
			messages,
			temperature: this.params.temperature,
			top_p: this.params.top_p,
			max_tokens: this.params.max_tokens,
			stream: true
		};
	}

	/**
	 * For a model this browser formats prompts for: the chosen template, and the system prompt as the system
	 * override, so an empty one means no system message at all, not the template's default.
	 */
	private format(): ChatFormatChoice | undefined {
		if (!this.engines.formatsPrompts) return undefined;
		return { chatTemplate: this.params.chatTemplate || undefined, systemMessage: this.params.systemPrompt.trim() ? this.params.systemPrompt : '' };
	}

	/** Stops a running answer and waits until it has been saved. */
	private async settle(): Promise<void> {
		const running = this.running;
		if (!running) return;
		running.controller.abort();
		await running.done;
	}

	private generate(): Promise<void> {
		const controller = new AbortController();
		const conversation = this.conversation;
		const done = this.answer(conversation, controller.signal).finally(() => {
			if (this.running?.controller === controller) {
				this.running = null;
				this.generating = false;
			}
		});
		this.running = { conversationId: conversation.id, controller, done };
		this.generating = true;
		return done;
	}

	/** Answers `conversation`, which stays the target even if the page shows another one meanwhile. */
	private async answer(conversation: Conversation, signal: AbortSignal): Promise<void> {
		const shown = () => this.conversation === conversation;
		this.error = null;
		try {
			if (!(await this.engines.load())) {
				if (shown()) this.error = this.engines.error ?? { code: 'model_load_failed', message: 'The model did not load.', retryable: true };
				return;
			}
			if (signal.aborted) return;
			const request = await this.request(conversation.messages);
			if (signal.aborted) return;
			conversation.modelId = this.engines.modelId;
			conversation.messages.push({ ...message('assistant', ''), modelId: this.engines.modelId });
			const reply = conversation.messages[conversation.messages.length - 1];
			const error = await streamReply(this.engines.chatEngine, request, reply, { signal, format: this.format() });
			if (error && shown()) this.error = error.toData();
		} catch (err) {
			if (shown()) this.error = toLumenError(err, 'generation_failed').toData();
		} finally {
			await this.persist(conversation);
		}
	}

	private async persist(conversation: Conversation): Promise<void> {
		if (this.conversation === conversation) {
			// Parameters belong to the conversation on screen; one that was left keeps those it was sent with.
			conversation.systemPrompt = this.params.systemPrompt;
			conversation.params = { temperature: this.params.temperature, top_p: this.params.top_p, max_tokens: this.params.max_tokens };
		}
		conversation.updatedAt = Date.now();
		try {
			const saved = await saveConversation($state.snapshot(conversation) as Conversation, this.store);
			this.summaries = withSummary(this.summaries, saved);
		} catch (err) {
			if (this.conversation === conversation) this.error = toLumenError(err, 'storage_failed').toData();
		}
	}
}

function message(role: 'user' | 'assistant', content: string): StoredMessage {
	return { id: crypto.randomUUID(), role, content, createdAt: Date.now() };
}
