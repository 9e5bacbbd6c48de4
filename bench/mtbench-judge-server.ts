// The benchmark's scripted judge as its own process (a judge is another machine in real use, so it must not
// share the measured process's event loop): prints its URL, answers after --delay-ms, exits on SIGTERM.
import { startScriptedJudge } from '../bin/mtbench/scripted-judge';

const delayMs = Number(process.argv[process.argv.indexOf('--delay-ms') + 1] ?? 200);
const judge = await startScriptedJudge({
	delayMs,
	verdict: (r) => (/<answer_a>|<conversation_a>/.test(r.messages.at(-1)!.content) ? 'Scripted. [[A]]' : 'Scripted. Score: [[7]]')
});
console.log(`scripted judge on ${judge.url}`);
process.on('SIGTERM', () => void judge.close().then(() => process.exit(0)));
