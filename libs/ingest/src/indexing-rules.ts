/**
 * The version of how a document is extracted, chunked and embedded. It is part of a document's
 * hashes and of a synced item's: when it changes, a document ingested again, and every item of a
 * source at its next sync, is extracted, chunked and embedded again though its bytes are the same
 * (otherwise it would keep what the old rules made of it until it changed).
 *
 * 2: PDF running heads and page labels, HTML permalink marks, Markdown headings read as text,
 * navigation sections, and a whole-document vector for a document of several chunks.
 * 3: a table of contents inside a passage (under a title page's abstract, or without leaders) is
 * no part of it.
 */
export const INDEXING_RULES = 3;

/**
 * The version of how files are read (extraction), apart from how their text is chunked and
 * embedded: part of a synced item's hash only (`ITEM_RULES`). When it changes, every item of a
 * source is extracted again at its next sync, and only the documents whose text changed are
 * chunked and embedded again (their content hash says so). `quarry ingest PATH` extracts every
 * file anyway.
 *
 * 1: HTML pages of sibling sections that Readability cut short (an AsciiDoc manual page read as
 * its OPTIONS alone), sections it dropped before the first it kept (a manual's NAME line), and
 * pages laid out in tables (their cells' headings).
 * 2: PDF outline entries that leave out the section number their line carries, opened at that
 * line instead of the page's top (every Texinfo and DocBook manual's subsections); lines drawn
 * without a line end between them, and text drawn over itself, read once as lines; a title page's
 * title rather than its largest word.
 * 3: PDF outline entries whose text the page sets otherwise (markup the outline kept, words it
 * left out) take the page's wording; HTML pages without `<body>` or `<html>` (every page groff
 * writes) are read instead of skipped, a title that is a file's name gives way to the first
 * heading, and a bar of links opening or closing a page (`[ prev | next | top ]`) is dropped.
 * 4: PDF outline entries that misspell a word of their line (`78odetree for \Nodetree) take the
 * page's wording; texts a word space apart on a line are parted by a space, drawn or not; a margin
 * note drawn after its line is a line of its own; a running head whose page number moves from its
 * start to its end between odd and even pages is page furniture; a man page's option set as a
 * paragraph before its indented description (every DocBook page) is that description's first line.
 * 5: HTML links in brackets in headings and API entries (Node.js's `[src]`, Sphinx's `[source]`,
 * a LaTeX converter's `[link]`) are dropped, not read as part of the heading; the `<code>` blocks
 * of one `<pre>` (Node.js's ES module and CommonJS variants of each example) are blocks apart.
 * 6: GNU Info manuals are read as Info (headings, cross references; menus, indices, node headers
 * and tag tables dropped), and AsciiDoc through Asciidoctor, not as plain text; EPUB books, PowerPoint
 * presentations, Excel workbooks and OpenDocument texts, presentations and spreadsheets are read, not skipped as ZIP archives, and
 * Jupyter notebooks as their cells, not as JSON text.
 * 7: HTML's older inline elements (`<acronym>`, `<tt>`, `<u>`, `<s>`, `<big>`, `<strike>`) no longer
 * break their sentence into paragraphs; a page's title leaves out the site's name its generator adds
 * (Sphinx's "— Python 3.11.2 documentation", Node.js's "| Node.js v20.20.2 Documentation"); DocBook's
 * bars of links and a table of contents beside more text are dropped.
 * 8: HTML a page marks as not for search (`class="nosearch"`, `robots-nocontent`,
 * `data-pagefind-ignore`) is dropped, and an API entry whose id reads like page furniture
 * (`csv.Sniffer.has_header`, `get_extra_info`) is no longer deleted with it.
 * 9: a line already escaped as Markdown (a TeX manual's `\# is the parameter character`) is escaped
 * once more, so that a snippet, which takes one backslash off, shows it as the file has it.
 * 10: Sphinx's `div.footer` is page furniture (a short page read as its copyright notice) and its
 * `toctree-wrapper` a table of contents (a chapter page reads as its introduction).
 * 11: a word a typeset PDF broke across two lines ("improve-" / "ments") is read whole, and an
 * accent a font without accented letters drew apart ("esth´etiques") is one letter with its own.
 */
export const EXTRACTION_RULES = 11;
