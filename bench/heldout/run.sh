#!/usr/bin/env bash
# Everyday questions on documentation Quarry was never tuned on: Valgrind's HTML manual (Debian's
# valgrind package) and 32 man pages, judged by hand (which page answers). Ingests them into
# indices of their own (prefix heldout) and prints `quarry eval` for each set; pass --sweep to
# see every semanticRatio. Needs the services running (`npx quarry services up`) and the built
# CLI (`npm run build`); on Debian, `apt-get install valgrind` brings the manual.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/valgrind" "$work/man"
cp /usr/share/doc/valgrind/html/*.html "$work/valgrind/"
for page in tar ls ssh find grep cp mv rm chmod chown du df sort uniq head tail sed gzip curl ps kill ln mkdir date wc cut tr xargs scp ssh-keygen git diff; do
  cp "/usr/share/man/man1/$page.1.gz" "$work/man/"
done
export QUARRY_INDEX_PREFIX=heldout
npm exec --no -- node bin/quarry.js ingest "$work/valgrind" --collection valgrind > /dev/null
npm exec --no -- node bin/quarry.js ingest "$work/man" --collection man > /dev/null
npm exec --no -- node bin/quarry.js eval "$@" bench/heldout/questions-valgrind.jsonl
npm exec --no -- node bin/quarry.js eval "$@" bench/heldout/questions-man.jsonl
