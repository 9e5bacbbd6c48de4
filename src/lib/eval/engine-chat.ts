// The MT-bench runners' ChatFn over one of this app's engines (a model in this tab's worker, or the
// coordinator through RemoteEngine): the streamed answer gathered into one text. A worker runs one
// generation at a time (a new chat interrupts the one before), so calls to it are queued, never overlapped.
import type { Engine } from '$lib/engine/types';
import type { ChatFn } from '$lib/mtbench';
import { LumenError, stopped } from '$lib/protocol/errors';

export function engineChat(engine: Pick<Engine, 'chat'>, model: string, options: { oneAtATime?: boolean } = {}): ChatFn {
	const call: ChatFn = async (messages, { temperature, maxTokens, signal }) => {
		let text = '';
		for await (const chunk of engine.chat({ model, messages, temperature, max_tokens: maxTokens, stream: true }, { signal })) {
			const choice = chunk.choices[0];
			text += choice?.delta.content ?? '';
			if (choice?.finish_reason === 'error') throw new LumenError('generation_failed', `${model} failed part-way through its answer. Try again.`, true);
		}
		// An engine ends its stream quietly when it is stopped; half an answer must not be taken for a whole one.
		if (signal?.aborted) throw stopped();
		return text;
	};
	return options.oneAtATime ? oneAtATime(call) : call;
}

/** `fn` with its calls run one after another, in call order; a failed call does not hold up the next. */
export function oneAtATime(fn: ChatFn): ChatFn {
	let tail: Promise<unknown> = Promise.resolve();
	return (messages, options) => {
		const run = tail.then(() => {
			if (options.signal?.aborted) throw stopped();
			return fn(messages, options);
		});
		tail = run.catch(() => undefined);
		return run;
	};
}
