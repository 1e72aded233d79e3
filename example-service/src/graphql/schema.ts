export const typeDefs = /* GraphQL */ `
  """
  A catalogue of authors, books and reviews. Lists are keyset-paginated: pass the last id
  you received as \`after\` to get the next page. \`first\` is capped at MAX_PAGE_SIZE (100).
  """
  type Query {
    author(id: ID!): Author
    authors(first: Int = 20, after: ID): [Author!]!
    book(id: ID!): Book
    books(first: Int = 20, after: ID): [Book!]!
    "Relay-style connection over all books with opaque cursors."
    booksConnection(first: Int = 20, after: String): BookConnection!
  }

  type Mutation {
    createAuthor(input: CreateAuthorInput!): Author!
    createBook(input: CreateBookInput!): Book!
    updateBook(id: ID!, input: UpdateBookInput!): Book!
    deleteBook(id: ID!): Boolean!
    addReview(input: AddReviewInput!): Review!
  }

  type Author {
    id: ID!
    name: String!
    bio: String
    createdAt: String!
    bookCount: Int!
    books(first: Int = 20, after: ID): [Book!]!
  }

  type Book {
    id: ID!
    title: String!
    isbn: String
    publishedYear: Int
    createdAt: String!
    author: Author!
    averageRating: Float
    reviewCount: Int!
    reviews(first: Int = 20, after: ID): [Review!]!
  }

  type Review {
    id: ID!
    rating: Int!
    reviewer: String!
    body: String!
    createdAt: String!
    book: Book!
  }

  type BookConnection {
    edges: [BookEdge!]!
    pageInfo: PageInfo!
  }

  type BookEdge {
    cursor: String!
    node: Book!
  }

  type PageInfo {
    endCursor: String
    hasNextPage: Boolean!
  }

  input CreateAuthorInput {
    name: String!
    bio: String
  }

  input CreateBookInput {
    authorId: ID!
    title: String!
    isbn: String
    publishedYear: Int
  }

  input UpdateBookInput {
    title: String
    isbn: String
    publishedYear: Int
  }

  input AddReviewInput {
    bookId: ID!
    rating: Int!
    reviewer: String!
    body: String!
  }
`;
