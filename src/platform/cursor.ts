import { invalid, notFound } from './errors.ts';
import { isUuid } from './ids.ts';
import { decodeCursor, encodeCursor } from './schemas.ts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Position in a list ordered by a sequence number, newest first. */
export function seqFromCursor(cursor: string | undefined): number | undefined {
  const raw = decodeCursor(cursor);
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw))
    throw invalid('cursor is not one this server gave out', { field: 'cursor' });
  return Number(raw);
}

/**
 * Position in a list ordered by (time, id), newest first. Time travels as epoch microseconds,
 * PostgreSQL's own precision, so no row is skipped or repeated at a page boundary.
 */
export interface TimeCursor {
  micros: string;
  id: string;
}

export function timeFromCursor(cursor: string | undefined): TimeCursor | undefined {
  const raw = decodeCursor(cursor);
  if (raw === undefined) return undefined;
  const [micros, id] = raw.split('|');
  if (!micros || !/^\d{1,17}$/.test(micros) || !id || !isUuid(id)) {
    throw invalid('cursor is not one this server gave out', { field: 'cursor' });
  }
  return { micros, id };
}

export const encodeTimeCursor = (micros: string, id: string) => encodeCursor(`${micros}|${id}`);

/** SQL for a row's time as epoch microseconds (the cursor's unit). */
export const microsSql = (column: string) =>
  `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;

/** SQL turning cursor microseconds (a bigint parameter) back into a timestamptz, exactly. */
export const fromMicrosSql = (param: string) =>
  `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`;

/** Ids are UUIDs; anything else cannot name a resource, and is reported as such. */
export function requireUuid(id: string, what: string): string {
  if (!isUuid(id)) throw notFound(what);
  return id;
}

/** Cuts a `limit + 1` row fetch into a page and the cursor of the next one. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  toItem: (row: R) => T,
  cursorOf: (row: R) => string,
): Page<T> {
  const page = rows.slice(0, limit);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit ? cursorOf(page[page.length - 1]!) : null,
  };
}

/** A page request from `?limit=&cursor=` for a list ordered by (time, id), newest first. */
export function timePage(q: { limit?: number; cursor?: string }): {
  limit: number;
  after?: TimeCursor;
} {
  const after = timeFromCursor(q.cursor);
  return { limit: q.limit ?? 20, ...(after ? { after } : {}) };
}
