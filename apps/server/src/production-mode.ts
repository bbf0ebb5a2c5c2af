/**
 * `npm start` is a production start unless NODE_ENV names another mode (tests run with `test`). It
 * must be set before graphql-js is first loaded: in any other mode graphql-js checks every
 * `instanceof` of its own types for a second copy of the library (~0.05 ms of each GraphQL
 * request, bench/edge-overhead.ts). Apollo's introspection (which the console reads) and its
 * error stack traces are set explicitly in GraphqlApiModule, so they do not follow NODE_ENV.
 */
process.env.NODE_ENV ||= 'production';
