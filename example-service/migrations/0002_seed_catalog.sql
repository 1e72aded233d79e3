-- Deterministic seed data: 25 authors x 8 books x 5 reviews.
-- Book id 1 ("Continuous Delivery in Practice" by author 1) is stable: the pipeline's smoke test asks for it.
INSERT INTO authors (id, name, bio, created_at)
SELECT i,
       (ARRAY['Ada Lovelace','Grace Hopper','Alan Turing','Edsger Dijkstra','Barbara Liskov'])[((i - 1) % 5) + 1]
         || CASE WHEN i > 5 THEN ' ' || ((i - 1) / 5 + 1)::text ELSE '' END,
       'Seeded author number ' || i,
       timestamptz '2024-01-01 00:00:00+00' + (i || ' days')::interval
FROM generate_series(1, 25) AS i;

INSERT INTO books (id, author_id, title, isbn, published_year, created_at)
SELECT (a - 1) * 8 + k,
       a,
       CASE WHEN a = 1 AND k = 1 THEN 'Continuous Delivery in Practice'
            ELSE (ARRAY['Pipelines','Observability','Rolling Updates','Caching','Pagination','Resilience','Testing','Graphs'])[k]
                 || ' Volume ' || a END,
       '978' || lpad(((a - 1) * 8 + k)::text, 10, '0'),
       1990 + ((a * 8 + k) % 35),
       timestamptz '2024-02-01 00:00:00+00' + (((a - 1) * 8 + k) || ' hours')::interval
FROM generate_series(1, 25) AS a, generate_series(1, 8) AS k;

INSERT INTO reviews (id, book_id, rating, reviewer, body, created_at)
SELECT (b - 1) * 5 + r,
       b,
       ((b + r) % 5) + 1,
       'reader' || r,
       'Review ' || r || ' of book ' || b,
       timestamptz '2024-03-01 00:00:00+00' + (((b - 1) * 5 + r) || ' minutes')::interval
FROM generate_series(1, 200) AS b, generate_series(1, 5) AS r;

SELECT setval(pg_get_serial_sequence('authors', 'id'), (SELECT max(id) FROM authors));
SELECT setval(pg_get_serial_sequence('books', 'id'), (SELECT max(id) FROM books));
SELECT setval(pg_get_serial_sequence('reviews', 'id'), (SELECT max(id) FROM reviews));
