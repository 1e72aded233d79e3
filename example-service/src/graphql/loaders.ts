// Per-request batched loaders (DataLoader) with a version-keyed shared cache in front of
// PostgreSQL. Every nested list is fetched for all parents at once: one query per level,
// never one per parent (N+1).
import DataLoader from 'dataloader';
import type { Db } from '../db/pool.ts';
import type { Cache } from '../cache/cache.ts';

export interface AuthorRow {
  id: string;
  name: string;
  bio: string | null;
  created_at: string;
}
export interface BookRow {
  id: string;
  author_id: string;
  title: string;
  isbn: string | null;
  published_year: number | null;
  created_at: string;
}
export interface ReviewRow {
  id: string;
  book_id: string;
  rating: number;
  reviewer: string;
  body: string;
  created_at: string;
}
export interface RatingRow {
  book_id: string;
  average: number | null;
  count: number;
}

const TS = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;
export const AUTHOR_COLS = `id::text, name, bio, ${TS}`;
export const BOOK_COLS = `id::text, author_id::text, title, isbn, published_year, ${TS}`;
export const REVIEW_COLS = `id::text, book_id::text, rating::int, reviewer, body, ${TS}`;

export interface CacheCtx {
  cache: Cache;
  enabled: boolean;
  ttlSeconds: number;
  /** Memoised per request: the version is read once, before the first database read. */
  version?: Promise<string | undefined>;
}

/**
 * Look keys up in the in-process tier, then the shared cache (one MGET), fetch what is still
 * missing with one batched call, store it in both. The version is read from the shared cache once
 * per request, so a mutation on any pod is seen by the next request everywhere.
 * Falls back to the database alone when the cache is off or unavailable.
 */
async function cached<V>(
  cc: CacheCtx,
  ns: string,
  keys: readonly string[],
  fetch: (keys: readonly string[]) => Promise<V[]>,
): Promise<V[]> {
  if (!cc.enabled) return fetch(keys);
  cc.version ??= cc.cache.version();
  const version = await cc.version;
  if (version === undefined) return fetch(keys);
  const local = cc.cache.local(version);
  const out = new Array<V>(keys.length);
  let remote: number[] = [];
  keys.forEach((k, i) => {
    const v = local.get(`${ns}:${k}`);
    if (v === undefined) remote.push(i);
    else out[i] = v as V;
  });
  cc.cache.stats.hits += keys.length - remote.length;
  if (remote.length === 0) return out;
  const full = remote.map((i) => `v${version}:${ns}:${keys[i]}`);
  const hit = await cc.cache.mget(full);
  if (hit === undefined) {
    const fetched = await fetch(remote.map((i) => keys[i]));
    remote.forEach((idx, j) => (out[idx] = fetched[j]!));
    return out;
  }
  const missIdx: number[] = [];
  const missFull: string[] = [];
  hit.forEach((v, j) => {
    const idx = remote[j];
    if (v === null) {
      missIdx.push(idx);
      missFull.push(full[j]);
    } else {
      out[idx] = JSON.parse(v) as V;
      local.set(`${ns}:${keys[idx]}`, out[idx]);
    }
  });
  remote = missIdx;
  if (remote.length === 0) return out;
  const fetched = await fetch(remote.map((i) => keys[i]));
  const toStore: Array<[string, string]> = [];
  remote.forEach((idx, j) => {
    const v = fetched[j] ?? (null as V);
    out[idx] = v;
    local.set(`${ns}:${keys[idx]}`, v);
    toStore.push([missFull[j], JSON.stringify(v)]);
  });
  void cc.cache.mset(toStore, cc.ttlSeconds);
  return out;
}

/** Key for a page of children: parent id + page arguments. */
export function pageKey(parentId: string, first: number, after: string | null): string {
  return `${parentId}|${first}|${after ?? ''}`;
}

function groupPages(
  keys: readonly string[],
): Map<string, { first: number; after: string | null; parents: string[] }> {
  const groups = new Map<string, { first: number; after: string | null; parents: string[] }>();
  for (const k of keys) {
    const [parent, first, after] = k.split('|') as [string, string, string];
    const g = `${first}|${after}`;
    let entry = groups.get(g);
    if (!entry)
      groups.set(
        g,
        (entry = {
          first: Number(first),
          after: after === '' ? null : after,
          parents: [],
        }),
      );
    entry.parents.push(parent);
  }
  return groups;
}

export function createLoaders(db: Db, cc: CacheCtx) {
  const byId = <R extends { id: string }>(ns: string, sql: string) =>
    new DataLoader<string, R | null>((ids) =>
      cached(cc, ns, ids, async (missing) => {
        const rows = await db.query<R>(sql, [missing]);
        const map = new Map(rows.map((r) => [r.id, r]));
        return missing.map((id) => map.get(id) ?? null);
      }),
    );

  // Children of many parents, `first` per parent after an optional id cursor, in one query.
  const pages = <R extends { id: string }>(
    ns: string,
    table: string,
    cols: string,
    parentCol: string,
  ) =>
    new DataLoader<string, R[]>((keys) =>
      cached(cc, ns, keys, async (missing) => {
        const result = new Map<string, R[]>();
        for (const { first, after, parents } of groupPages(missing).values()) {
          const rows = await db.query<R & { parent: string }>(
            `SELECT * FROM (
               SELECT ${cols}, ${parentCol}::text AS parent,
                      row_number() OVER (PARTITION BY ${parentCol} ORDER BY id) AS rn
               FROM ${table}
               WHERE ${parentCol} = ANY($1::bigint[]) AND ($2::bigint IS NULL OR id > $2::bigint)
             ) t WHERE rn <= $3 ORDER BY parent, rn`,
            [parents, after, first],
          );
          for (const p of parents) result.set(pageKey(p, first, after), []);
          for (const { parent, rn: _rn, ...row } of rows as Array<
            R & { parent: string; rn: unknown }
          >) {
            result.get(pageKey(parent, first, after))!.push(row as unknown as R);
          }
        }
        return missing.map((k) => result.get(k) ?? []);
      }),
    );

  return {
    author: byId<AuthorRow>(
      'author',
      `SELECT ${AUTHOR_COLS} FROM authors WHERE id = ANY($1::bigint[])`,
    ),
    book: byId<BookRow>('book', `SELECT ${BOOK_COLS} FROM books WHERE id = ANY($1::bigint[])`),
    booksByAuthor: pages<BookRow>('booksByAuthor', 'books', BOOK_COLS, 'author_id'),
    reviewsByBook: pages<ReviewRow>('reviewsByBook', 'reviews', REVIEW_COLS, 'book_id'),
    bookCount: new DataLoader<string, number>((ids) =>
      cached(cc, 'bookCount', ids, async (missing) => {
        const rows = await db.query<{ author_id: string; n: number }>(
          `SELECT author_id::text, count(*)::int AS n FROM books
           WHERE author_id = ANY($1::bigint[]) GROUP BY author_id`,
          [missing],
        );
        const m = new Map(rows.map((r) => [r.author_id, r.n]));
        return missing.map((id) => m.get(id) ?? 0);
      }),
    ),
    rating: new DataLoader<string, RatingRow>((ids) =>
      cached(cc, 'rating', ids, async (missing) => {
        const rows = await db.query<RatingRow>(
          `SELECT book_id::text, avg(rating)::float8 AS average, count(*)::int AS count
           FROM reviews WHERE book_id = ANY($1::bigint[]) GROUP BY book_id`,
          [missing],
        );
        const m = new Map(rows.map((r) => [r.book_id, r]));
        return missing.map((id) => m.get(id) ?? { book_id: id, average: null, count: 0 });
      }),
    ),
    /** Top-level pages (one key per request, cached like the rest). */
    authorsPage: new DataLoader<string, AuthorRow[]>((keys) =>
      cached(cc, 'authorsPage', keys, (missing) =>
        Promise.all(
          missing.map((k) => {
            const [first, after] = k.split('|') as [string, string];
            return db.query<AuthorRow>(
              `SELECT ${AUTHOR_COLS} FROM authors
               WHERE ($1::bigint IS NULL OR id > $1::bigint) ORDER BY authors.id LIMIT $2`,
              [after === '' ? null : after, Number(first)],
            );
          }),
        ),
      ),
    ),
    booksPage: new DataLoader<string, BookRow[]>((keys) =>
      cached(cc, 'booksPage', keys, (missing) =>
        Promise.all(
          missing.map((k) => {
            const [first, after] = k.split('|') as [string, string];
            return db.query<BookRow>(
              `SELECT ${BOOK_COLS} FROM books
               WHERE ($1::bigint IS NULL OR id > $1::bigint) ORDER BY books.id LIMIT $2`,
              [after === '' ? null : after, Number(first)],
            );
          }),
        ),
      ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
