// commander argument parsers that fail with a message naming the option (commander prints it and exits 2).
import { InvalidArgumentError } from 'commander';

export function positiveInt(flag: string): (value: string) => number {
	return (value) => {
		const n = Number(value);
		if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} needs a positive whole number, not "${value}".`);
		return n;
	};
}

export function number(flag: string, min: number, max: number): (value: string) => number {
	return (value) => {
		const n = Number(value);
		if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} needs a number from ${min} to ${max}, not "${value}".`);
		return n;
	};
}
