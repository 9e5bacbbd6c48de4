// An arena battle: two sides answer the same prompts, the person votes, then the names are revealed.
// Invariants: votes open only when both answers are complete; one battle id per round, one vote per battle.
// With a coordinator configured, the round's battle id is issued by it before the first prompt, and every
// prompt passes its moderation check and limits before either side sees it (issue 11's integrity rules).
import type { CatalogModel } from '$lib/catalog/catalog';
import type { ArenaVote, ArenaWinner, Battle } from '$lib/protocol/arena';
import { DEFAULT_ARENA_LIMITS, MODERATION_MESSAGE, limitProblem, type ArenaLimits } from '$lib/protocol/arena-integrity';
import { LumenError, errorText, toLumenError, wrapError, type LumenErrorData } from '$lib/protocol/errors';
import { BattleSide, type SideEngines, type SideParams } from './battle-side.svelte';
import { pickPair, type Rng } from '$lib/rating/pairing';
import type { ArenaServer } from './arena-server';
import { loadCl100kTokenCounter, type TokenCounter } from '$lib/rating/conv-metadata';
import { analyseVote, releaseConversation } from './vote-flags';
import { recordVote, type SharedConversation } from './votes';

/** FastChat's token counter, loaded once on first need (a ~1 MB table); null when it cannot load (offline before it was cached). */
let counter: Promise<TokenCounter | null> | undefined;
const tokenCounter = () => (counter ??= loadCl100kTokenCounter().catch(() => null));

export type ArenaMode = 'anonymous' | 'named';
export type ArenaOptions = {
	mode: ArenaMode;
	pool?: readonly string[];
	weights?: Readonly<Record<string, number>>;
	rng?: Rng;
	/** Each side's engines, leased for its slot ("A", "B") so each side gets its own worker; given back by `dispose()`. */
	engines: (slot: 'A' | 'B') => SideEngines;
	/** The coordinator the votes go to, asked before each round (null: none configured, the battle stays in this browser). */
	server?: () => Promise<ArenaServer | null>;
};

export class ArenaState {
	readonly sides: [BattleSide, BattleSide];
	battleId = $state<string>(crypto.randomUUID());
	params = $state<SideParams>({ temperature: 0.7, max_tokens: 256 });
	vote = $state<ArenaWinner | null>(null);
	error = $state<LumenErrorData | null>(null);
	ready = $state(false);
	/** The battle as the coordinator issued it (null: a battle of this browser alone). */
	issued = $state<Battle | null>(null);
	/** A prompt is being checked (battle id, moderation) before it is sent. */
	checking = $state(false);
	/** The person agreed to give this battle's conversation to the coordinator's operator (asked only when it logs them; off by default). */
	shareConversation = $state(false);

	constructor(private readonly options: ArenaOptions) {
		this.sides = [new BattleSide(options.engines('A')), new BattleSide(options.engines('B'))];
	}

	// Getters rather than $derived: they read `sides`, which exists only once the constructor has run.
	get generating(): boolean {
		return this.checking || this.sides[0].generating || this.sides[1].generating;
	}

	/** The coordinator's limits for an issued battle, FastChat's defaults otherwise. */
	get limits(): ArenaLimits {
		return this.issued?.limits ?? DEFAULT_ARENA_LIMITS;
	}

	/** Characters of the person's messages so far. */
	private get promptChars(): number {
		return this.sides[0].messages.reduce((n, m) => n + (m.role === 'user' ? m.content.length : 0), 0);
	}

	/** Number of the person's messages so far (FastChat's `turn`). */
	get turns(): number {
		return this.sides[0].messages.filter((m) => m.role === 'user').length;
	}

	get canVote(): boolean {
		return this.vote === null && !this.checking && this.turns > 0 && this.sides[0].complete && this.sides[1].complete;
	}

	/** Names are shown in a named battle always, in an anonymous one only after the vote. */
	get revealed(): boolean {
		return this.mode === 'named' || this.vote !== null;
	}

	/** Models either side may run: the picker for side-by-side, the draw pool for a battle. */
	get models(): CatalogModel[] {
		return this.sides[0].engines.models;
	}

	get mode(): ArenaMode {
		return this.options.mode;
	}

	/** Whether the coordinator that issued this battle keeps conversations its voters agree to share. */
	get logsConversations(): boolean {
		return this.issued?.log_conversations === true;
	}

	async init(): Promise<void> {
		void tokenCounter();
		await Promise.all(this.sides.map((s) => s.engines.init()));
		if (this.mode === 'anonymous') this.drawPair();
		else this.pick(this.models[0]?.id ?? '', this.models[1]?.id ?? this.models[0]?.id ?? '');
		this.ready = true;
	}

	/**
	 * The draw pool: `pool` from the page when given; otherwise models served by this app or a coordinator,
	 * never hub downloads a battle cannot count on. `weights` sets sampling weights (default 1 each).
	 */
	private candidates(): { id: string; weight: number }[] {
		const engines = this.sides[0].engines;
		const available = this.models.filter((m) => {
			if (this.options.pool) return this.options.pool.includes(m.id);
			const where = engines.routeFor(m)?.where;
			return where === 'remote' || (m.source.host === 'local' && m.id !== 'lumen-bench' && where !== 'none');
		});
		return available.map((m) => ({ id: m.id, weight: this.options.weights?.[m.id] ?? 1 }));
	}

	private drawPair(): void {
		try {
			const [a, b] = pickPair(this.candidates(), this.options.rng);
			this.pick(a, b);
		} catch (err) {
			this.error = toLumenError(err).toData();
		}
	}

	/** Starts a fresh round with these models (side-by-side) and a new battle id. */
	pick(a: string, b: string): void {
		this.sides[0].reset(a);
		this.sides[1].reset(b);
		this.battleId = crypto.randomUUID();
		this.issued = null;
		this.vote = null;
		this.error = null;
	}

	newRound(): void {
		if (this.mode === 'anonymous') this.drawPair();
		else this.pick(this.sides[0].modelId, this.sides[1].modelId);
	}

	/** Sends a prompt to both sides; false when it was refused (limits, moderation), so the page keeps the draft. */
	async send(text: string): Promise<boolean> {
		const content = text.trim();
		if (!content || this.generating || this.vote !== null) return false;
		const problem = limitProblem(this.limits, this.turns, this.promptChars, content);
		if (problem) {
			this.error = problem.toData();
			return false;
		}
		this.checking = true;
		this.error = null;
		try {
			if (!(await this.admit(content))) return false;
		} finally {
			this.checking = false;
		}
		for (const side of this.sides) side.messages.push({ id: crypto.randomUUID(), role: 'user', content, createdAt: Date.now() });
		await this.answerBoth();
		return true;
	}

	/**
	 * With a coordinator: gets the round's battle id before the first prompt (if that fails, the battle stays
	 * in this browser), then asks it whether this prompt may enter the battle. False (with `error` set) when not.
	 */
	private async admit(content: string): Promise<boolean> {
		const server = await this.options.server?.();
		if (!server) return true;
		const round = this.battleId;
		if (this.turns === 0 && !this.issued) {
			try {
				const battle = await server.issueBattle({ model_a: this.sides[0].modelId, model_b: this.sides[1].modelId, anony: this.mode === 'anonymous' });
				if (this.battleId !== round) return false;
				this.issued = battle;
				this.battleId = battle.battle_id;
			} catch {
				// Offline or an older coordinator: the battle is this browser's own; its vote is kept here.
				return true;
			}
			const problem = limitProblem(this.limits, this.turns, this.promptChars, content);
			if (problem) {
				this.error = problem.toData();
				return false;
			}
		}
		if (!this.issued) return true;
		try {
			const verdict = await server.moderate(this.battleId, content);
			if (this.battleId !== this.issued.battle_id) return false;
			if (verdict.flagged) {
				const message = verdict.message ?? MODERATION_MESSAGE;
				this.error = new LumenError('bad_request', message, false, { i18n: errorText('error.text.moderation') }).toData();
				return false;
			}
			return true;
		} catch (err) {
			this.error = wrapError(toLumenError(err), 'error.text.messageNotSent', 'The message was not sent: ').toData();
			return false;
		}
	}

	/** Both sides answer the last prompt again (their last answers are dropped). */
	async regenerate(): Promise<void> {
		if (this.generating || this.vote !== null || this.turns === 0) return;
		for (const side of this.sides) if (side.messages.at(-1)?.role === 'assistant') side.messages.pop();
		await this.answerBoth();
	}

	stop(): void {
		for (const side of this.sides) side.stop();
	}

	private async answerBoth(): Promise<void> {
		const params = { ...this.params };
		await Promise.all(this.sides.map((s) => s.answer(params)));
	}

	async castVote(winner: ArenaWinner): Promise<void> {
		if (!this.canVote) return;
		const models = [this.sides[0].modelId, this.sides[1].modelId];
		const messages = [this.sides[0].messages, this.sides[1].messages] as const;
		this.vote = winner;
		const vote: ArenaVote = {
			battle_id: this.battleId,
			model_a: models[0],
			model_b: models[1],
			winner,
			anony: this.mode === 'anonymous',
			tstamp: Date.now() / 1000,
			turn: this.turns,
			// Computed here from the answers; the conversation itself leaves this browser only with consent.
			...analyseVote(messages, models, await tokenCounter())
		};
		const shared: SharedConversation | undefined =
			this.logsConversations && this.shareConversation
				? { conversation_a: releaseConversation(messages[0]), conversation_b: releaseConversation(messages[1]) }
				: undefined;
		try {
			await recordVote(vote, undefined, shared);
		} catch (err) {
			this.error = wrapError(toLumenError(err), 'error.text.voteNotSaved', 'The vote was not saved: ').toData();
		}
	}

	/** The page goes away: stop answering and give both sides' engines back (models unloaded, workers ended). */
	async dispose(): Promise<void> {
		this.stop();
		// Nobody is left to tell about a failure here: a release that fails has already ended its workers.
		await Promise.all(this.sides.map((side) => side.engines.release().catch(() => undefined)));
	}
}
