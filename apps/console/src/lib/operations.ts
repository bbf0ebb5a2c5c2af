/**
 * The console's GraphQL operations. @graphql-codegen checks each one against schema.graphql at
 * build time and generates its result and variable types (graphql.generated.ts), which is where
 * the console's types come from: a field the server renames or drops fails the build, and no result
 * shape is written here a second time.
 */

// Codegen reads each operation from its own template literal; the ones that spread ConsoleHit are
// sent with the fragment appended.

/** What a hit shows: its passage, where it is (the chunk the document view opens at), why it ranks. */
export const HIT_FIELDS = /* GraphQL */ `
  fragment ConsoleHit on SearchHit {
    id
    score
    title
    snippet
    highlights
    collection
    tags
    location {
      chunk
      page
      heading
      lines
    }
    explain {
      fusion {
        method
        semanticRatio
        wordsCounted
      }
      lexical {
        rank
        score
      }
      semantic {
        rank
        score
      }
    }
  }
`;

const SEARCH_OPERATION = /* GraphQL */ `
  query Search($input: SearchInput!) {
    search(input: $input) {
      total
      tookMs
      mode
      facets {
        collection {
          value
          count
        }
        tags {
          value
          count
        }
      }
      hits {
        ...ConsoleHit
      }
    }
  }
`;
export const SEARCH = SEARCH_OPERATION + HIT_FIELDS;

const LIVE_START_OPERATION = /* GraphQL */ `
  query LiveStart($input: SearchInput!) {
    search(input: $input) {
      hits {
        ...ConsoleHit
      }
    }
  }
`;
export const LIVE_START = LIVE_START_OPERATION + HIT_FIELDS;

const LIVE_SEARCH_OPERATION = /* GraphQL */ `
  subscription Live($input: SearchInput!) {
    liveSearch(input: $input) {
      change
      dropped
      subscriptionId
      hit {
        ...ConsoleHit
      }
    }
  }
`;
export const LIVE_SEARCH = LIVE_SEARCH_OPERATION + HIT_FIELDS;

export const VIEWER = /* GraphQL */ `
  query Viewer {
    viewer {
      id
      role
      collections
    }
  }
`;

/** A document with its text and its chunks (the view marks the one a hit was shown from). */
export const DOCUMENT = /* GraphQL */ `
  query Document($id: ID!) {
    document(id: $id) {
      id
      title
      body
      collection
      tags
      source
      metadata
      createdAt
      updatedAt
      chunkCount
      access {
        groups
        users
      }
      chunks {
        chunkNo
        text
        location {
          page
          heading
          lines
        }
      }
    }
  }
`;

export const UPLOAD_FILES = /* GraphQL */ `
  mutation Upload($collection: String!, $files: [FileUploadInput!]!, $tags: [String!], $jobId: ID) {
    uploadFiles(collection: $collection, files: $files, tags: $tags, jobId: $jobId, wait: true) {
      indexed
      failed
      skipped
      items {
        name
        id
        status
        reason
      }
    }
  }
`;

export const INGEST_PROGRESS = /* GraphQL */ `
  subscription Progress($jobId: ID!) {
    ingestProgress(jobId: $jobId) {
      jobId
      done
      total
      finished
      message
      error
    }
  }
`;
