import { highlightPassages, queryTerms } from './highlighter';

/** What a reader sees: the snippet's text without marks. */
const snippetOf = (text: string, query: string) =>
  highlightPassages(text, queryTerms(query)).best?.replace(/<\/?em>/g, '');

/** ls(1) as `mandoc -T utf8` renders it: an option line, its description indented below. */
const LS_MAN = `       -r, --reverse
\t      reverse order while sorting

       -R, --recursive
\t      list subdirectories recursively

       -s, --size
\t      print the allocated size of each file, in blocks

       -S     sort by file size, largest first

       --sort=WORD
\t      sort by WORD instead of name: none (-U), time (-t), version (-v)`;

/** The same options as a PDF or HTML manual's text gives them: no blank lines, no periods. */
const LS_FLAT = LS_MAN.replace(/\n\n/g, '\n');

/** tar(1)'s options as one manual page section lists them (Compression options first). */
const TAR = `Options
       -a, --auto-compress
              Use archive suffix to determine the compression program.
       -c, --create
              Create a new archive.  Arguments supply the names of the files to be archived.
       -t, --list
              List the contents of an archive.  Arguments are optional.  When given, they specify the names of the members to list.
       -x, --extract, --get
              Extract files from an archive.`;

describe('the snippet is the passage with the most evidence for the query', () => {
  it('ls: "sort by file size largest first" shows -S, not -s, --size', () => {
    expect(snippetOf(LS_MAN, 'sort by file size largest first')).toBe('-S sort by file size, largest first');
    expect(snippetOf(LS_FLAT, 'sort by file size largest first')).toBe('-S sort by file size, largest first');
  });

  it('tar: "how do I list the contents of an archive" shows -t, --list, not -a, --auto-compress', () => {
    expect(snippetOf(TAR, 'how do I list the contents of an archive')).toBe(
      '-t, --list List the contents of an archive.',
    );
  });

  it('weighs words by rarity: one rare word beats a word every line repeats', () => {
    const text = 'file one\nfile two\nfile three\n- the inode of a file\n- file four';
    expect(snippetOf(text, 'file inode')).toBe('- the inode of a file');
  });

  it('never shows a bare section heading when a body line holds a query word', () => {
    const text = 'Archive Options\n\nThe tool writes one file per member of an archive.';
    expect(snippetOf(text, 'archive options')).toBe('The tool writes one file per member of an archive.');
    expect(snippetOf('Archive Options\n\nNothing else here.', 'archive options')).toBe('Archive Options');
  });

  it('keeps the highlights in the order they occur', () => {
    const { inOrder } = highlightPassages(LS_MAN, queryTerms('sort size'));
    expect(inOrder.map((f) => f.replace(/<\/?em>/g, ''))).toEqual([
      '-s, --size print the allocated size of each file, in blocks',
      '-S sort by file size, largest first',
      '--sort=WORD sort by WORD instead of name: none (-U), time (-t), version (-v)',
    ]);
  });
});
