// JSON lines for the bench files: parse with a schema and name the line of the first bad record (FastChat
// stops at a bad line too, but with a Python traceback); write one record per line, newline-terminated.
import type { z } from 'zod';
import { LumenError } from '../protocol/errors';

export type JsonlIssue = { line: number; message: string };

/** Every record that parses, and every line that does not (1-based line numbers; blank lines are skipped). */
export function parseJsonlLines<T>(text: string, schema: z.ZodType<T>): { records: T[]; issues: JsonlIssue[] } {
	const records: T[] = [];
	const issues: JsonlIssue[] = [];
	const lines = text.split('\n');
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
		if (line.trim() === '') continue;
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch (err) {
			issues.push({ line: i + 1, message: `not valid JSON (${(err as Error).message})` });
			continue;
		}
		const parsed = schema.safeParse(value);
		if (parsed.success) records.push(parsed.data);
		else issues.push({ line: i + 1, message: describeIssue(parsed.error) });
	}
	return { records, issues };
}

/**
 * All records, or a `bad_request` LumenError naming `file`, the line and what is wrong with it, e.g.
 * `question.jsonl line 3: turns: expected array, received string. Fix or remove that line.`
 */
export function parseJsonl<T>(text: string, schema: z.ZodType<T>, file: string): T[] {
	const { records, issues } = parseJsonlLines(text, schema);
	const first = issues[0];
	if (first) {
		const more = issues.length > 1 ? ` (${issues.length - 1} more bad line${issues.length > 2 ? 's' : ''} after it)` : '';
		throw new LumenError('bad_request', `${file} line ${first.line}: ${first.message}${more}. Fix or remove that line.`, false);
	}
	return records;
}

/** One JSON record per line, each ending in a newline (FastChat's `json.dumps(x) + "\n"`). */
export function toJsonl(records: readonly unknown[]): string {
	return records.map((r) => JSON.stringify(r) + '\n').join('');
}

function describeIssue(error: z.ZodError): string {
	const issue = error.issues[0];
	if (!issue) return 'not a valid record';
	const where = issue.path.length ? issue.path.join('.') : 'record';
	return `${where}: ${issue.message}`;
}
