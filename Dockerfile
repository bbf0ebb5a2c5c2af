# syntax=docker/dockerfile:1
#
# Quarry container image. Built by docker-compose.yml (service `quarry`), or on its own:
#   docker build -t quarry .
#   docker run -e ELASTICSEARCH_URL=... -e REDIS_URL=... -e HOST=0.0.0.0 -e QUARRY_API_KEYS=... -p 3000:3000 quarry
# In a container Quarry never starts its embedded services: ELASTICSEARCH_URL and REDIS_URL must point at
# real ones. HOST=0.0.0.0 (needed to be reachable from outside the container) refuses to start without
# QUARRY_API_KEYS.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: full dependencies, compile TypeScript to dist/ ------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# No install-time telemetry from @scarf/scarf (a transitive dependency).
ENV SCARF_ANALYTICS=false
# Manifests first so the dependency layer is cached until package*.json change.
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
# Sources (.dockerignore keeps node_modules, dist, .quarry, .git and build output out of the context).
COPY . .
# prompts/ is optional: make sure it exists so the runtime stage can always copy it.
RUN npm run build && mkdir -p prompts

# ---- models: the offline embedding models' jars from Maven Central, unpacked (elastic/embedded/pom.xml) -----
# At start-up Quarry copies the configured model from here into .quarry/models/<id>/ and checks its sha256.
FROM maven:3.9-eclipse-temurin-17 AS models
WORKDIR /models
COPY elastic/embedded/pom.xml ./
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:unpack@embedding-models

# ---- runtime: production dependencies, compiled code, index definitions -----------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SCARF_ANALYTICS=false
WORKDIR /app
# mandoc renders man pages for extraction (libs/ingest/src/extract/man.ts); without it a far weaker
# built-in roff reader drops words of BSD (mdoc) pages.
RUN apt-get update && apt-get install -y --no-install-recommends mandoc && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# Index templates and mappings (elastic/indices/*.json), read at start-up relative to the folder holding
# Quarry's package.json (/app). The embedded launcher's Java build output is excluded by .dockerignore.
COPY --from=build /app/elastic ./elastic
COPY --from=models /models/target/models ./elastic/embedded/target/models
# Prompt files, if the checkout has any (an empty folder otherwise; see the build stage).
COPY --from=build /app/prompts ./prompts
# .quarry/ is Quarry's data folder (pid files, logs of embedded services); writable by the runtime user.
# Everything else under /app stays root's: the unprivileged process cannot rewrite its own code.
# /srv/quarry is where directory sources may lie (mount document folders there, read-only is enough);
# directory sources anywhere else are refused (QUARRY_SOURCE_ROOTS, overridable at run time).
RUN mkdir -p /app/.quarry /srv/quarry && chown node:node /app/.quarry

# Never root: a directory source can only read what this unprivileged user may read.
USER node
ENV HOST=0.0.0.0 \
    PORT=3000 \
    QUARRY_SOURCE_ROOTS=/srv/quarry
EXPOSE 3000
# Node is PID 1 and handles SIGTERM itself (graceful shutdown in apps/server/src/main.ts).
CMD ["node", "dist/apps/server/src/main.js"]
