/**
 * Bounded reads of paginated AWS APIs. Every list the responder reads follows the API's token
 * (NextToken, Marker…) up to a stated bound, and says when it stopped short: a list read in
 * part is never passed off as the whole. Works with the SDK's paginators (`paginateXxx`),
 * which request a page only when the previous one has been taken.
 */

import { ResponderError } from "../errors/index.ts";

/**
 * A list that went on past the bound of its read: what was read is not the whole, so it is not
 * taken for it. Not retryable: the next read would stop at the same bound.
 */
export class ListBoundError extends ResponderError {
  readonly retryable = false;
  readonly code = "LIST_BOUND";
}

/** How much of a list to read at most. */
export interface PageBound {
  /** Pages requested at most. */
  maxPages: number;
  /** Items kept at most (the last page read is cut to it). */
  maxItems?: number;
}

/** A list read up to a bound. */
export interface BoundedList<T> {
  items: T[];
  /** Pages requested. */
  pages: number;
  /** True when the API had more than the bound let the read take: `items` is not the whole list. */
  truncated: boolean;
  /** The token the next page would have been read with, when the read stopped at a page's end. */
  nextToken?: string;
}

/**
 * Reads the pages of a paginator up to `bound`. `pick` takes the items and the next-page token
 * out of a page. Stops, without requesting another page, as soon as the bound is reached.
 */
export async function readBounded<P, T>(
  pages: AsyncIterable<P>,
  pick: (page: P) => { items: T[] | undefined; next: string | undefined },
  bound: PageBound,
): Promise<BoundedList<T>> {
  const items: T[] = [];
  let count = 0;
  for await (const page of pages) {
    count += 1;
    const { items: got, next } = pick(page);
    items.push(...(got ?? []));
    if (bound.maxItems !== undefined && items.length >= bound.maxItems) {
      const truncated = items.length > bound.maxItems || Boolean(next);
      return {
        items: items.slice(0, bound.maxItems),
        pages: count,
        truncated,
        ...(next && items.length === bound.maxItems ? { nextToken: next } : {}),
      };
    }
    if (count >= bound.maxPages)
      return { items, pages: count, truncated: Boolean(next), ...(next ? { nextToken: next } : {}) };
    if (!next) break;
  }
  return { items, pages: count, truncated: false };
}

/** Pure: what a truncated read left out, for an artifact or a step's detail; undefined when complete. */
export function truncationNote(
  what: string,
  list: BoundedList<unknown>,
  bound: PageBound,
): string | undefined {
  if (!list.truncated) return undefined;
  const limits = [
    `${bound.maxPages} page(s)`,
    ...(bound.maxItems !== undefined ? [`${bound.maxItems} item(s)`] : []),
  ];
  return `${what}: stopped at the bound of ${limits.join(" / ")} after ${list.pages} page(s) and ${list.items.length} item(s); more exist and were not read`;
}
