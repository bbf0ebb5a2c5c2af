# Quarry's routine tasks. `npx just --list` shows them; package.json scripts call the same things.

set dotenv-load := false

# list the recipes
default:
    @just --list

# start the embedded Elasticsearch and Redis (or reuse running ones)
up:
    npm run up

# stop the services this checkout started
down:
    npm run down

# what runs where
status:
    npm run build --silent && node bin/quarry.js services status

# build and run Quarry in the foreground (services included)
start:
    npm start

# rebuild on change and restart the server (services stay up)
dev:
    npx tsc-watch -p tsconfig.build.json --onSuccess "sh -c 'npx tsc-alias -p tsconfig.build.json && node dist/apps/server/src/main.js'"

# lint, typecheck and the whole jest suite against the real services
test:
    npm test

# only the unit tests (no services needed)
test-unit:
    npm run test:unit

# eslint and prettier
lint:
    npm run lint

# format the code
format:
    npm run format

# run the benchmark suite and write bench/results/latest.json
bench:
    npm run bench

# the full stack in Docker (Elasticsearch, Redis, Quarry, Prometheus, Grafana) on a machine with Docker
compose-up:
    docker compose up -d --build

# stop the Docker stack
compose-down:
    docker compose down
