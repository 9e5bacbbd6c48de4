// Runs `lumen` as a real process for the chat tests: with piped stdio, or in a pseudo-terminal made by
// util-linux `script` (Debian's bsdutils, an essential package, so every CI image has it) sized by `stty`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT, until } from '../../workers/native/test-support';

export type Proc = { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> };
const running: Proc[] = [];

export type LumenOptions = { pty?: boolean; cwd?: string; env?: Record<string, string> };

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** BSD and macOS `script` take other arguments: say so instead of failing obscurely. */
function requireUtilLinuxScript(): void {
	const version = spawnSync('script', ['--version'], { encoding: 'utf8' });
	if (!`${version.stdout}`.includes('util-linux')) throw new Error('The pseudo-terminal tests need util-linux `script` (Debian: bsdutils; Fedora: util-linux-script).');
}

export function lumen(args: string[], { pty = false, cwd = PROJECT_ROOT, env = {} }: LumenOptions = {}): Proc {
	if (pty) requireUtilLinuxScript();
	const command = [process.execPath, join(PROJECT_ROOT, 'bin/lumen.js'), ...args];
	// A pty stands for a person's terminal: not the CI runner's, whose CI / NO_COLOR / FORCE_COLOR would decide colour for it.
	const { CI: _ci, NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...inherited } = process.env;
	const options = { cwd, env: { ...(pty ? inherited : process.env), ...env } };
	const child = pty
		? spawn('script', ['-q', '-e', '-c', `stty cols 100 rows 40; exec ${command.map(quote).join(' ')}`, '/dev/null'], options)
		: spawn(command[0], command.slice(1), options);
	let out = '';
	let err = '';
	child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
	child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
	const proc = { child, out: () => out, err: () => err, exited: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) };
	running.push(proc);
	return proc;
}

export function killAll(): void {
	for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
}

/** Types `line` into the session and waits until the output that follows it passes `done`; returns that output. */
export async function type(p: Proc, line: string, done: (after: string) => boolean, timeoutMs = 20_000): Promise<string> {
	const start = p.out().length;
	p.child.stdin!.write(line + (line.endsWith('\r') ? '' : '\r'));
	try {
		await until(() => done(p.out().slice(start)), timeoutMs);
	} catch {
		throw new Error(`after typing ${JSON.stringify(line)} the chat printed:\n${JSON.stringify(p.out().slice(start))}\nstderr: ${p.err()}`);
	}
	return p.out().slice(start);
}

/** The output after a message ends once the answer is printed and the next prompt is shown. */
export const answered = (after: string) => /ASSISTANT: [^]*\r?\n[^]*USER: /.test(after);
