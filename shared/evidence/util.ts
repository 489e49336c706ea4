/** Small helpers shared by the evidence modules. */
import { InvalidEvidenceInputError } from "./errors.ts";

/** A Date or date string → ISO-8601 UTC, or {@link InvalidEvidenceInputError} naming `field`. */
export function toIso(value: Date | string, field: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidEvidenceInputError(`not a date: ${String(value)}`, field);
  return date.toISOString();
}

/** Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Orders strings by UTF-16 code units: the same everywhere, unlike `localeCompare`. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
