// Resolvers shared by the Mercurius service and the Apollo benchmark baseline.
import { GraphQLError } from 'graphql';
import type { Db } from '../db/pool.ts';
import type { Cache } from '../cache/cache.ts';
import {
  AUTHOR_COLS,
  BOOK_COLS,
  REVIEW_COLS,
  pageKey,
  type AuthorRow,
  type BookRow,
  type CacheCtx,
  type Loaders,
  type ReviewRow,
} from './loaders.ts';
import { Checker, ID_RE, pageArgs } from './validate.ts';
import { badInput, notFound } from './errors.ts';

export interface GqlContext {
  db: Db;
  cache: Cache;
  cacheCtx: CacheCtx;
  loaders: Loaders;
  maxPageSize: number;
}

type Args = Record<string, unknown>;

function id(value: unknown, field = 'id'): string {
  if (typeof value !== 'string' || !ID_RE.test(value))
    throw badInput([{ field, message: 'must be a positive integer id' }]);
  return value;
}

const encodeCursor = (bookId: string) => Buffer.from(`book:${bookId}`).toString('base64url');
function decodeCursor(cursor: unknown): string | null {
  if (cursor === null || cursor === undefined) return null;
  const raw = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString() : '';
  const m = /^book:([1-9][0-9]{0,17})$/.exec(raw);
  if (!m) throw badInput([{ field: 'after', message: 'is not a valid cursor' }]);
  return m[1];
}

/** After a committed write: make cached data unreachable and forget this request's memoised reads. */
async function afterWrite(ctx: GqlContext): Promise<void> {
  await ctx.cache.invalidate();
  ctx.cacheCtx.version = undefined;
  for (const l of Object.values(ctx.loaders)) l.clearAll();
}

function mapDbError(err: unknown): never {
  const e = err as { code?: string; constraint?: string };
  if (e?.code === '23505' && e.constraint === 'books_isbn_key')
    throw badInput([{ field: 'isbn', message: 'is already used by another book' }]);
  if (e?.code === '23503')
    throw badInput([{ field: 'id', message: 'refers to something that does not exist' }]);
  if (e?.code === '23514') throw badInput([{ field: 'input', message: 'violates a constraint' }]);
  throw err;
}

export const resolvers = {
  Query: {
    author: (_: unknown, a: Args, ctx: GqlContext) => ctx.loaders.author.load(id(a.id)),
    book: (_: unknown, a: Args, ctx: GqlContext) => ctx.loaders.book.load(id(a.id)),
    authors: (_: unknown, a: Args, ctx: GqlContext) => {
      const p = pageArgs(a.first, a.after, ctx.maxPageSize);
      return ctx.loaders.authorsPage.load(`${p.first}|${p.after ?? ''}`);
    },
    books: (_: unknown, a: Args, ctx: GqlContext) => {
      const p = pageArgs(a.first, a.after, ctx.maxPageSize);
      return ctx.loaders.booksPage.load(`${p.first}|${p.after ?? ''}`);
    },
    booksConnection: async (_: unknown, a: Args, ctx: GqlContext) => {
      const p = pageArgs(a.first, undefined, ctx.maxPageSize);
      const after = decodeCursor(a.after);
      // one extra row tells whether there is a next page
      const rows = await ctx.loaders.booksPage.load(`${p.first + 1}|${after ?? ''}`);
      const page = rows.slice(0, p.first);
      return {
        edges: page.map((node) => ({ cursor: encodeCursor(node.id), node })),
        pageInfo: {
          endCursor: page.length ? encodeCursor(page[page.length - 1].id) : null,
          hasNextPage: rows.length > p.first,
        },
      };
    },
  },

  Mutation: {
    createAuthor: async (_: unknown, a: { input: Args }, ctx: GqlContext) => {
      const c = new Checker();
      const name = c.text('name', a.input.name, 1, 200);
      const bio = c.optionalText('bio', a.input.bio, 2000);
      c.done();
      const [row] = await ctx.db
        .query<AuthorRow>(
          `INSERT INTO authors (name, bio) VALUES ($1, $2) RETURNING ${AUTHOR_COLS}`,
          [name, bio],
        )
        .catch(mapDbError);
      await afterWrite(ctx);
      return row;
    },

    createBook: async (_: unknown, a: { input: Args }, ctx: GqlContext) => {
      const c = new Checker();
      const authorId = c.id('authorId', a.input.authorId);
      const title = c.text('title', a.input.title, 1, 300);
      const isbn = c.isbn('isbn', a.input.isbn);
      const year = c.intRange('publishedYear', a.input.publishedYear, 1450, 2100, true);
      c.done();
      const row = await ctx.db
        .tx(async (q) => {
          const [author] = await q('SELECT 1 FROM authors WHERE id = $1 FOR KEY SHARE', [authorId]);
          if (!author) throw notFound('Author', authorId);
          const [b] = await q<BookRow>(
            `INSERT INTO books (author_id, title, isbn, published_year) VALUES ($1, $2, $3, $4) RETURNING ${BOOK_COLS}`,
            [authorId, title, isbn, year],
          );
          return b;
        })
        .catch(mapDbError);
      await afterWrite(ctx);
      return row;
    },

    updateBook: async (_: unknown, a: { id: unknown; input: Args }, ctx: GqlContext) => {
      const c = new Checker();
      const bookId = c.id('id', a.id);
      const input = a.input;
      const title = input.title === undefined ? undefined : c.text('title', input.title, 1, 300);
      const isbn = input.isbn === undefined ? undefined : c.isbn('isbn', input.isbn);
      const year =
        input.publishedYear === undefined
          ? undefined
          : c.intRange('publishedYear', input.publishedYear, 1450, 2100, true);
      if (title === undefined && isbn === undefined && year === undefined)
        c.problems.push({
          field: 'input',
          message: 'must change at least one field',
        });
      c.done();
      const [row] = await ctx.db
        .query<BookRow>(
          `UPDATE books SET
             title = CASE WHEN $2::boolean THEN $3 ELSE title END,
             isbn = CASE WHEN $4::boolean THEN $5 ELSE isbn END,
             published_year = CASE WHEN $6::boolean THEN $7::int ELSE published_year END
           WHERE id = $1 RETURNING ${BOOK_COLS}`,
          [
            bookId,
            title !== undefined,
            title ?? null,
            isbn !== undefined,
            isbn ?? null,
            year !== undefined,
            year ?? null,
          ],
        )
        .catch(mapDbError);
      if (!row) throw notFound('Book', bookId);
      await afterWrite(ctx);
      return row;
    },

    deleteBook: async (_: unknown, a: Args, ctx: GqlContext) => {
      const bookId = id(a.id);
      const rows = await ctx.db.query('DELETE FROM books WHERE id = $1 RETURNING id', [bookId]);
      if (rows.length === 0) throw notFound('Book', bookId);
      await afterWrite(ctx);
      return true;
    },

    addReview: async (_: unknown, a: { input: Args }, ctx: GqlContext) => {
      const c = new Checker();
      const bookId = c.id('bookId', a.input.bookId);
      const rating = c.intRange('rating', a.input.rating, 1, 5, false);
      const reviewer = c.text('reviewer', a.input.reviewer, 1, 100);
      const body = c.text('body', a.input.body, 1, 5000);
      c.done();
      const row = await ctx.db
        .tx(async (q) => {
          const [book] = await q('SELECT 1 FROM books WHERE id = $1 FOR KEY SHARE', [bookId]);
          if (!book) throw notFound('Book', bookId);
          const [r] = await q<ReviewRow>(
            `INSERT INTO reviews (book_id, rating, reviewer, body) VALUES ($1, $2, $3, $4) RETURNING ${REVIEW_COLS}`,
            [bookId, rating, reviewer, body],
          );
          return r;
        })
        .catch(mapDbError);
      await afterWrite(ctx);
      return row;
    },
  },

  Author: {
    createdAt: (r: AuthorRow) => r.created_at,
    bookCount: (r: AuthorRow, _: Args, ctx: GqlContext) => ctx.loaders.bookCount.load(r.id),
    books: (r: AuthorRow, a: Args, ctx: GqlContext) => {
      const p = pageArgs(a.first, a.after, ctx.maxPageSize);
      return ctx.loaders.booksByAuthor.load(pageKey(r.id, p.first, p.after));
    },
  },

  Book: {
    publishedYear: (r: BookRow) => r.published_year,
    createdAt: (r: BookRow) => r.created_at,
    author: async (r: BookRow, _: Args, ctx: GqlContext) => {
      const a = await ctx.loaders.author.load(r.author_id);
      if (!a)
        throw new GraphQLError('Author not found', {
          extensions: { code: 'NOT_FOUND' },
        });
      return a;
    },
    averageRating: async (r: BookRow, _: Args, ctx: GqlContext) =>
      (await ctx.loaders.rating.load(r.id)).average,
    reviewCount: async (r: BookRow, _: Args, ctx: GqlContext) =>
      (await ctx.loaders.rating.load(r.id)).count,
    reviews: (r: BookRow, a: Args, ctx: GqlContext) => {
      const p = pageArgs(a.first, a.after, ctx.maxPageSize);
      return ctx.loaders.reviewsByBook.load(pageKey(r.id, p.first, p.after));
    },
  },

  Review: {
    createdAt: (r: ReviewRow) => r.created_at,
    book: async (r: ReviewRow, _: Args, ctx: GqlContext) => {
      const b = await ctx.loaders.book.load(r.book_id);
      if (!b)
        throw new GraphQLError('Book not found', {
          extensions: { code: 'NOT_FOUND' },
        });
      return b;
    },
  },
};
