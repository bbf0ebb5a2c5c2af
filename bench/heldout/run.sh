#!/usr/bin/env bash
# Everyday questions on documentation Quarry was never tuned on: Valgrind's HTML manual (Debian's
# valgrind package), 32 man pages, and 402 man pages (42 that answer among 360 others drawn at random
# from a Debian machine's man1, listed in man400-pages.txt; a page this machine lacks is skipped),
# git's own manual (186 pages), Node.js's API reference (its 64 HTML pages), PostgreSQL's SQL command
# reference (189 HTML pages), Python's library reference (317 HTML pages) and 230 TeX Live PDF manuals, judged by hand (which page answers). Ingests them into indices of their own (prefix heldout) and
# prints `quarry eval` for each set; pass --sweep to see every semanticRatio. The third set was
# written after the fusion study of session 14 had looked at the first two: it is the check. Needs the services running (`npx quarry services up`) and the built
# CLI (`npm run build`); on Debian, `apt-get install valgrind git nodejs postgresql-doc-15 python3.11-doc texlive-luatex texlive-plain-generic texlive-extra-utils` brings the manuals.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/valgrind" "$work/man" "$work/man400" "$work/git" "$work/node" "$work/pgsql" "$work/pylib" "$work/texpdf"
cp /usr/share/doc/valgrind/html/*.html "$work/valgrind/"
for page in tar ls ssh find grep cp mv rm chmod chown du df sort uniq head tail sed gzip curl ps kill ln mkdir date wc cut tr xargs scp ssh-keygen git diff; do
  cp "/usr/share/man/man1/$page.1.gz" "$work/man/"
done
while read -r page; do
  if [ -e "/usr/share/man/man1/$page.1.gz" ]; then cp "/usr/share/man/man1/$page.1.gz" "$work/man400/"; fi
done < bench/heldout/man400-pages.txt
# all.html is every other page in one: left out, as a judged set has one page per answer.
find /usr/share/doc/nodejs/api -maxdepth 1 -name '*.html' ! -name all.html -exec cp {} "$work/node/" \;
cp /usr/share/man/man1/git*.1.gz /usr/share/man/man5/git*.5.gz /usr/share/man/man7/git*.7.gz "$work/git/"
cp /usr/share/doc/postgresql-doc-15/html/sql-*.html "$work/pgsql/"
cp /usr/share/doc/python3.11/html/library/*.html "$work/pylib/"
while read -r pdf; do
  if [ -e "/usr/share/doc/texlive-doc/$pdf" ]; then cp "/usr/share/doc/texlive-doc/$pdf" "$work/texpdf/"; fi
done < bench/heldout/texlive-pdfs.txt
echo "texpdf: $(ls "$work/texpdf" | wc -l) of $(wc -l < bench/heldout/texlive-pdfs.txt) PDFs on this machine"
echo "man400: $(ls "$work/man400" | wc -l) of $(wc -l < bench/heldout/man400-pages.txt) pages on this machine"
quarry() { npm exec --no -- node bin/quarry.js "$@"; }
# One set in indices of its own: ingest its folder as its collection, then evaluate its questions.
set_alone() {
  local prefix=$1 collection=$2 questions=$3
  shift 3
  QUARRY_INDEX_PREFIX=$prefix quarry ingest "$work/$collection" --collection "$collection" > /dev/null
  QUARRY_INDEX_PREFIX=$prefix quarry eval "$@" "bench/heldout/$questions"
}
# The first two sets share indices (their figures in docs/search.md were measured so).
QUARRY_INDEX_PREFIX=heldout quarry ingest "$work/valgrind" --collection valgrind > /dev/null
QUARRY_INDEX_PREFIX=heldout quarry ingest "$work/man" --collection man > /dev/null
QUARRY_INDEX_PREFIX=heldout quarry eval "$@" bench/heldout/questions-valgrind.jsonl
QUARRY_INDEX_PREFIX=heldout quarry eval "$@" bench/heldout/questions-man.jsonl
# Its own indices: Elasticsearch weighs a word by its rarity in the whole index, so 402 more
# pages beside the first two sets would move their lexical figures.
set_alone heldout400 man400 questions-man400.jsonl "$@"
# git's own manual (its man1, man5 and man7 pages; Debian's git package): one product's pages, which
# share most of their words, so the words' leader rarely stands out. Written after session 14, as the
# check of its fusion lead.
set_alone heldoutgit git questions-git.jsonl "$@"
# Node.js's API reference (Debian's nodejs documentation): long HTML pages of API entries.
set_alone heldnode node questions-node.jsonl "$@"
# PostgreSQL's SQL command reference (its 189 sql-*.html pages, DocBook; Debian's postgresql-doc-15
# package): written in session 17, before any result was seen.
set_alone heldpg pgsql questions-pgsql.jsonl "$@"
# Python's library reference (its 317 library/*.html pages, Sphinx; Debian's python3.11-doc package):
# written in session 17, before any result was seen.
set_alone heldpy pylib questions-pylib.jsonl "$@"
# TeX Live's PDF manuals (230 of 2-40 pages with text, listed in texlive-pdfs.txt; Debian's
# texlive-base, -extra-utils, -font-utils, -latex-recommended, -luatex and -plain-generic): the
# only set of PDFs, written in session 18 before any result was seen.
set_alone heldtex texpdf questions-texpdf.jsonl "$@"
