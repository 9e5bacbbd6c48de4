// `npm run fuzz [-- --requests N --seed S --concurrency C --model ID]`: throws hostile requests at a real
// `lumen serve` and exits non-zero if any response breaks the rules (see kind.ts) or the server falls over.
import { parseArgs } from 'node:util';
import { formatReport, hasProblems } from './report';
import { fuzzLumenServe } from './session';

const { values } = parseArgs({
	options: {
		requests: { type: 'string', default: '10000' },
		seed: { type: 'string', default: '1' },
		concurrency: { type: 'string', default: '16' },
		model: { type: 'string', default: 'lumen-tiny-a' }
	}
});

function positive(name: string, raw: string): number {
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 1) {
		console.error(`--${name} must be a positive integer, not ${JSON.stringify(raw)}`);
		process.exit(2);
	}
	return n;
}

const options = {
	requests: positive('requests', values.requests),
	seed: positive('seed', values.seed),
	concurrency: positive('concurrency', values.concurrency),
	model: values.model
};
let shown = 0;
const result = await fuzzLumenServe({
	...options,
	onProgress: (done, total) => {
		const pct = Math.floor((done / total) * 10);
		if (pct > shown) {
			shown = pct;
			process.stderr.write(`${done}/${total} `);
		}
	}
});
process.stderr.write('\n');
console.log(formatReport(result, options));
process.exit(hasProblems(result) ? 1 : 0);
