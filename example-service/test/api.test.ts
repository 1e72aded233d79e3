// Integration tests against real PostgreSQL and Redis (started by tools/services/services.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NESTED, countQueries, gql, startApp, type TestApp } from './helpers.ts';

let t: TestApp;
before(async () => {
  t = await startApp({ label: 'api' });
});
after(async () => {
  await t?.close();
});

describe('queries', () => {
  test('the stable first book the pipeline smoke test relies on', async () => {
    const r = await gql(t.url, '{ books(first: 1) { id } }');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { data: { books: [{ id: '1' }] } });
  });

  test('nested lists resolve with the right parents', async () => {
    const r = await gql(t.url, NESTED);
    assert.equal(r.status, 200, r.text);
    const authors = r.body.data!.authors;
    assert.equal(authors.length, 10);
    assert.deepEqual(
      authors.map((a: { id: string }) => a.id),
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
    );
    assert.equal(authors[0].bookCount, 8);
    assert.deepEqual(
      authors[1].books.map((b: { id: string }) => b.id),
      ['9', '10', '11', '12', '13'],
    );
    assert.equal(authors[1].books[0].reviews.length, 3);
    assert.deepEqual(
      authors[1].books[0].reviews.map((x: { id: string }) => x.id),
      ['41', '42', '43'],
    );
  });

  test('keyset pagination with after', async () => {
    const p1 = await gql(t.url, '{ books(first: 3) { id } }');
    const p2 = await gql(t.url, '{ books(first: 3, after: "3") { id } }');
    assert.deepEqual(
      p1.body.data!.books.map((b: { id: string }) => b.id),
      ['1', '2', '3'],
    );
    assert.deepEqual(
      p2.body.data!.books.map((b: { id: string }) => b.id),
      ['4', '5', '6'],
    );
    const nested = await gql(t.url, '{ author(id: "1") { books(first: 2, after: "6") { id } } }');
    assert.deepEqual(nested.body.data!.author.books, [{ id: '7' }, { id: '8' }]);
  });

  test('relay connection with opaque cursors', async () => {
    const q =
      'query($after: String) { booksConnection(first: 2, after: $after) { ' +
      'edges { cursor node { id } } pageInfo { endCursor hasNextPage } } }';
    const a = await gql(t.url, q);
    const c = a.body.data!.booksConnection;
    assert.deepEqual(
      c.edges.map((e: { node: { id: string } }) => e.node.id),
      ['1', '2'],
    );
    assert.equal(c.pageInfo.hasNextPage, true);
    const b = await gql(t.url, q, { after: c.pageInfo.endCursor });
    assert.deepEqual(
      b.body.data!.booksConnection.edges.map((e: { node: { id: string } }) => e.node.id),
      ['3', '4'],
    );
    const bad = await gql(t.url, q, { after: 'not-a-cursor' });
    assert.equal(bad.body.errors![0].extensions!.code, 'BAD_USER_INPUT');
  });

  test('missing entities are null, bad ids are input errors', async () => {
    const r = await gql(t.url, '{ book(id: "999999") { id } }');
    assert.deepEqual(r.body, { data: { book: null } });
    const bad = await gql(t.url, '{ book(id: "abc") { id } }');
    assert.equal(bad.body.errors![0].extensions!.code, 'BAD_USER_INPUT');
  });

  test('page size above the maximum is refused', async () => {
    const r = await gql(t.url, '{ books(first: 1000) { id } }');
    assert.equal(r.body.errors![0].extensions!.code, 'BAD_USER_INPUT');
  });
});

describe('batching (no N+1)', () => {
  test('a three-level nested list costs one query per level, whatever the fan-out', async () => {
    await t.cache.invalidate();
    const q10 = await countQueries(t.db, () => gql(t.url, NESTED));
    // authors page, book counts, books of all authors, ratings of all books, reviews of all books
    assert.equal(q10, 5, `queries for 10 authors: ${q10}`);
    await t.cache.invalidate();
    const q25 = await countQueries(t.db, () =>
      gql(t.url, NESTED.replace('authors(first: 10)', 'authors(first: 25)')),
    );
    assert.equal(q25, q10, 'the number of queries must not grow with the number of parents');
  });

  test('review -> book -> author chains are batched too', async () => {
    await t.cache.invalidate();
    const n = await countQueries(t.db, () =>
      gql(t.url, '{ books(first: 20) { reviews(first: 5) { book { id author { id name } } } } }'),
    );
    assert.ok(n <= 4, `queries: ${n}`);
  });
});

describe('cache in Redis', () => {
  test('a repeated query is answered from the cache, without PostgreSQL', async () => {
    await t.cache.invalidate();
    const first = await gql(t.url, NESTED);
    const n = await countQueries(t.db, () => gql(t.url, NESTED));
    assert.equal(n, 0);
    const second = await gql(t.url, NESTED);
    assert.deepEqual(second.body, first.body);
  });

  test('a mutation invalidates: the next read sees the write', async () => {
    const q = '{ book(id: "2") { id title } author(id: "1") { books(first: 3) { id title } } }';
    await gql(t.url, q);
    await gql(t.url, q); // cached now
    const m = await gql(
      t.url,
      'mutation { updateBook(id: "2", input: { title: "Renamed Volume" }) { id title } }',
    );
    assert.equal(m.body.data!.updateBook.title, 'Renamed Volume', m.text);
    const r = await gql(t.url, q);
    assert.equal(r.body.data!.book.title, 'Renamed Volume');
    assert.equal(r.body.data!.author.books[1].title, 'Renamed Volume');
    await gql(
      t.url,
      'mutation { updateBook(id: "2", input: { title: "Observability Volume 1" }) { id } }',
    );
  });
});

describe('mutations', () => {
  test('create author, book and review, then read them back', async () => {
    const a = await gql(
      t.url,
      'mutation { createAuthor(input: { name: "  Margaret Hamilton ", bio: "Apollo" }) { id name bookCount } }',
    );
    assert.equal(a.status, 200, a.text);
    const author = a.body.data!.createAuthor;
    assert.equal(author.name, 'Margaret Hamilton');
    assert.equal(author.bookCount, 0);
    const b = await gql(
      t.url,
      'mutation($i: CreateBookInput!) { createBook(input: $i) { id title isbn publishedYear author { id } } }',
      {
        i: {
          authorId: author.id,
          title: 'Software Engineering',
          isbn: '978-0-00-000999-1',
          publishedYear: 1969,
        },
      },
    );
    assert.equal(b.status, 200, b.text);
    const book = b.body.data!.createBook;
    assert.equal(book.isbn, '9780000009991');
    assert.equal(book.author.id, author.id);
    const r = await gql(
      t.url,
      `mutation { addReview(input: { bookId: "${book.id}", rating: 5, reviewer: "ada", ` +
        'body: "Landmark." }) { id rating book { id } } }',
    );
    assert.equal(r.body.data!.addReview.rating, 5, r.text);
    const read = await gql(
      t.url,
      `{ author(id: "${author.id}") { bookCount books { id averageRating reviewCount } } }`,
    );
    assert.deepEqual(read.body.data!.author, {
      bookCount: 1,
      books: [{ id: book.id, averageRating: 5, reviewCount: 1 }],
    });
    const d = await gql(t.url, `mutation { deleteBook(id: "${book.id}") }`);
    assert.equal(d.body.data!.deleteBook, true);
    const gone = await gql(t.url, `{ book(id: "${book.id}") { id } }`);
    assert.equal(gone.body.data!.book, null);
  });

  test('invalid input: a clear error naming every field, and nothing written', async () => {
    const before = await t.db.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM books)::int + (SELECT count(*) FROM reviews)::int AS n',
    );
    const b = await gql(
      t.url,
      'mutation { createBook(input: { authorId: "1", title: "   ", isbn: "123", publishedYear: 3000 }) { id } }',
    );
    assert.equal(b.status, 200);
    assert.equal(b.body.data, null);
    const err = b.body.errors![0];
    assert.equal(err.extensions!.code, 'BAD_USER_INPUT');
    assert.deepEqual(
      err.extensions!.fields.map((f: { field: string }) => f.field),
      ['title', 'isbn', 'publishedYear'],
    );
    const r = await gql(
      t.url,
      'mutation { addReview(input: { bookId: "1", rating: 9, reviewer: "x", body: "" }) { id } }',
    );
    assert.deepEqual(
      r.body.errors![0].extensions!.fields.map((f: { field: string }) => f.field),
      ['rating', 'body'],
    );
    const missing = await gql(
      t.url,
      'mutation { addReview(input: { bookId: "99999", rating: 3, reviewer: "x", body: "y" }) { id } }',
    );
    assert.equal(missing.body.errors![0].extensions!.code, 'NOT_FOUND');
    const dup = await gql(
      t.url,
      'mutation { createBook(input: { authorId: "1", title: "Dup", isbn: "9780000000001" }) { id } }',
    );
    assert.equal(dup.body.errors![0].extensions!.code, 'BAD_USER_INPUT');
    assert.match(dup.body.errors![0].message, /isbn/);
    const wrongType = await gql(
      t.url,
      'mutation { addReview(input: { bookId: "1", rating: "five", reviewer: "x", body: "y" }) { id } }',
    );
    assert.equal(wrongType.status, 400);
    const after = await t.db.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM books)::int + (SELECT count(*) FROM reviews)::int AS n',
    );
    assert.equal(after[0].n, before[0].n);
  });
});
