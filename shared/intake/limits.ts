/**
 * Bounds on what intake reads: size and nesting of the incoming event.
 * Checked first, with bounded work, so that a huge or deeply nested value is rejected
 * before any schema looks at it.
 */
import { InvalidEventError } from "../errors/index.ts";

/**
 * Largest event accepted, in characters of its JSON text (approximately): EventBridge's
 * own limit is 256 KB per event, and SNS's per message.
 */
export const MAX_EVENT_CHARS = 256 * 1024;
/** Deepest nesting accepted. Real events nest about 10 levels (a drill adds 2). */
export const MAX_DEPTH = 64;

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

function pathOf(frame: Frame): string {
  const parts: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) parts.unshift(f.key);
  return parts.reduce<string>(
    (acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k),
    "",
  );
}

/**
 * Throws {@link InvalidEventError} when `event` is larger than {@link MAX_EVENT_CHARS}
 * or nests deeper than {@link MAX_DEPTH}. Stops as soon as a limit is passed, so its work is
 * bounded whatever the input (a cycle simply exhausts the size budget).
 */
export function checkLimits(event: unknown): void {
  let size = 0;
  const stack: Frame[] = [{ value: event, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value, depth } = frame;
    if (typeof value === "string") size += value.length + 2;
    else if (typeof value === "number" || typeof value === "bigint") size += 8;
    else if (value === null || typeof value === "boolean") size += 5;
    else if (typeof value === "object") {
      if (depth >= MAX_DEPTH) {
        throw new InvalidEventError(`nests deeper than ${MAX_DEPTH} levels`, pathOf(frame));
      }
      size += 2;
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0 && size <= MAX_EVENT_CHARS; i--) {
          size += 1;
          stack.push({ value: value[i], depth: depth + 1, parent: frame, key: i });
        }
      } else {
        for (const key of Object.keys(value)) {
          size += key.length + 4;
          if (size > MAX_EVENT_CHARS) break;
          stack.push({
            value: (value as Record<string, unknown>)[key],
            depth: depth + 1,
            parent: frame,
            key,
          });
        }
      }
    }
    if (size > MAX_EVENT_CHARS) {
      throw new InvalidEventError(`the event is larger than ${MAX_EVENT_CHARS} characters`, pathOf(frame));
    }
  }
}
