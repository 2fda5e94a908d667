// Option values the benchmarks share: a bad one is a usage error (exit 2) naming the option.
export class UsageError extends Error {}

/** A whole number ≥ `min` from `--name`, or `fallback` when the option is absent. */
export function wholeNumber(params: { name: string; value: string | undefined; fallback: number; min: number }): number {
  const { name, value, min } = params;
  if (value === undefined) return params.fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, not '${value}'`);
  return Number(value);
}
