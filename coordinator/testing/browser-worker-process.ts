// A browser worker outside a browser, for tests and benches: BrowserWorkerClient (the tab's own library)
// with the `ws` WebSocket and the real Transformers.js runtime of workers/runtime on onnxruntime-node,
// serving a test model to a coordinator. Prints one line per status change:
//   browser-worker status {"state":"serving","workerId":"browser-…",…}
// Usage: tsx coordinator/testing/browser-worker-process.ts --coordinator URL --token T [--model lumen-tiny-b] [--speed N]
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { BrowserWorkerClient, type ServeStatus } from '#serve/browser-worker-client';
import { measureSpeed } from '../../workers/runtime/measure-speed';
import { runtimeServeEngine } from '../../workers/runtime/serve-engine';
import { loadTinyModel } from '../../workers/runtime/test-model';

const { values } = parseArgs({
	options: {
		coordinator: { type: 'string' },
		token: { type: 'string' },
		model: { type: 'string', default: 'lumen-tiny-b' },
		speed: { type: 'string' },
		label: { type: 'string', default: 'node test tab' }
	}
});
if (!values.coordinator || !values.token) {
	console.error('browser-worker-process: --coordinator URL and --token T are required');
	process.exit(2);
}

const loaded = await loadTinyModel(values.model, 64);
const speed = values.speed ? Number(values.speed) : await measureSpeed(loaded);
const client = new BrowserWorkerClient({
	WebSocket,
	coordinatorUrl: values.coordinator,
	token: values.token,
	engine: runtimeServeEngine(loaded),
	speed,
	label: values.label,
	backoff: { initialMs: 200, maxMs: 2_000 },
	log: (line) => console.error(`browser-worker: ${line}`)
});

// Queue and speed figures change with every request; a line is printed when anything else changes.
let last = '';
const shown = (s: ServeStatus) => JSON.stringify({ ...s, tokensPerSecond: undefined, queue: undefined, retryAt: undefined });
client.subscribe((s) => {
	const key = shown(s);
	if (key === last) return;
	last = key;
	console.log(`browser-worker status ${JSON.stringify(s)}`);
});
client.start();

const stop = async () => {
	await client.stop();
	process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
