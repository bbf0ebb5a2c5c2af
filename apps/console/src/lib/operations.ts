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
      pageLabel
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
          pageLabel
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

export const COLLECTIONS = /* GraphQL */ `
  query Collections {
    collections {
      name
      documents
    }
  }
`;

/** One page of documents (without bodies) in id order. */
export const BROWSE = /* GraphQL */ `
  query Browse($collection: String, $cursor: String) {
    documents(collection: $collection, cursor: $cursor, size: 25) {
      total
      nextCursor
      documents {
        id
        title
        collection
        tags
        updatedAt
        chunkCount
      }
    }
  }
`;

export const DELETE_DOCUMENT = /* GraphQL */ `
  mutation DeleteDocument($id: ID!) {
    deleteDocument(id: $id, wait: true) {
      id
      deleted
    }
  }
`;

/** Sync jobs (the latest 20) and sources, as the ingest page lists them. */
export const INGEST_STATE = /* GraphQL */ `
  query IngestState {
    jobs(size: 20) {
      id
      kind
      source
      collection
      status
      stage
      stages
      counts {
        found
        unchanged
        indexed
        embedded
        skipped
        failed
        deleted
      }
      failures {
        item
        stage
        reason
        skipped
      }
      error
      createdAt
      finishedAt
    }
    sources {
      name
      type
      collection
      lastSync
      definition
    }
  }
`;

export const ADD_SOURCE = /* GraphQL */ `
  mutation AddSource($definition: JSON!) {
    addSource(definition: $definition) {
      name
    }
  }
`;

export const SYNC_SOURCE = /* GraphQL */ `
  mutation SyncSource($name: String!) {
    syncSource(name: $name) {
      id
    }
  }
`;

export const REMOVE_SOURCE = /* GraphQL */ `
  mutation RemoveSource($name: String!) {
    removeSource(name: $name) {
      name
    }
  }
`;

export const CANCEL_JOB = /* GraphQL */ `
  mutation CancelJob($id: ID!) {
    cancelJob(id: $id) {
      id
    }
  }
`;

export const ADMIN = /* GraphQL */ `
  query Admin {
    apiKeys {
      name
      role
      collections
      createdAt
    }
    collections {
      name
      documents
    }
    tools {
      name
      description
      builtIn
    }
    prompts {
      name
      description
      arguments {
        name
      }
    }
  }
`;

export const CREATE_API_KEY = /* GraphQL */ `
  mutation CreateKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      name
      role
      key
    }
  }
`;

export const REVOKE_API_KEY = /* GraphQL */ `
  mutation Revoke($name: String!) {
    revokeApiKey(name: $name) {
      name
      revoked
    }
  }
`;

export const DELETE_COLLECTION = /* GraphQL */ `
  mutation DeleteCollection($name: String!) {
    deleteCollection(name: $name) {
      collection
      deleted
    }
  }
`;

export const REGISTER_SEARCH_TOOL = /* GraphQL */ `
  mutation RegisterTool($input: SavedSearchToolInput!) {
    registerSearchTool(input: $input) {
      name
      version
    }
  }
`;

export const CALL_TOOL = /* GraphQL */ `
  mutation CallTool($name: String!, $arguments: JSON) {
    callTool(name: $name, arguments: $arguments)
  }
`;

export const RENDER_PROMPT = /* GraphQL */ `
  query RenderPrompt($name: String!, $arguments: JSON) {
    renderPrompt(name: $name, arguments: $arguments)
  }
`;

export const REGISTER_PROMPT = /* GraphQL */ `
  mutation RegisterPrompt($input: PromptTemplateInput!) {
    registerPrompt(input: $input) {
      name
      version
    }
  }
`;

export const EVALUATE_SEARCH = /* GraphQL */ `
  query Evaluate($input: JSON!) {
    evaluateSearch(input: $input)
  }
`;

export const HEALTH = /* GraphQL */ `
  query Health {
    health {
      status
      elasticsearch {
        status
        latencyMs
        error
      }
      redis {
        status
        latencyMs
        error
      }
    }
  }
`;
