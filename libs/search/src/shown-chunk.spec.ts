import { queryTerms, subjectOf } from './highlighter';
import {
  chooseShownChunk,
  firstPassage,
  mergeChunkCandidates,
  passageEvidence,
  passageOf,
} from './shown-chunk';

/** tar(1) as Quarry chunks it (mandoc's rendering): the candidates of "how do I list the contents of an archive". */
const AUTO_COMPRESS = {
  chunkNo: 35,
  text: 'Compression options\n\n-a, --auto-compress\nUse archive suffix to determine the compression program.\n-I, --use-compress-program=COMMAND\nFilter data through COMMAND. It must accept the -d option, for decompression. The argument can contain command line options.\n--no-auto-compress\nDo not use archive suffix to determine the compression program.',
};
const LIST = {
  chunkNo: 12,
  text: '-r, --append\nAppend files to the end of an archive. Arguments have the same meaning as for -c (--create).\n-t, --list\nList the contents of an archive. Arguments are optional. When given, they specify the names of the members to list.\n--test-label\nTest the archive volume label and exit.',
};
const FORMAT = {
  chunkNo: 34,
  text: 'Archive format selection\n\n-H, --format=FORMAT\nCreate archive of the given format.\n-V, --label=TEXT\nCreate archive with volume name TEXT. If listing or extracting, use TEXT as a globbing pattern for volume name.',
};
const NAME = { chunkNo: 0, text: 'NAME\n\ntar - an archiving utility' };

const terms = queryTerms('how do I list the contents of an archive');

describe('chooseShownChunk', () => {
  it('shows tar from -t, --list, against -a first by BM25 and --format first by meaning', () => {
    // BM25's order within the page and e5-small-v2's nearest chunks, as Elasticsearch returned them.
    const candidates = mergeChunkCandidates(
      [AUTO_COMPRESS, LIST],
      [
        { ...FORMAT, similarity: 0.927 },
        { ...NAME, similarity: 0.9257 },
      ],
    );
    expect(chooseShownChunk(candidates, terms)?.chunkNo).toBe(LIST.chunkNo);
  });

  it('weighs the query terms one passage holds together, rare ones more, not across the chunk', () => {
    const [list, autoCompress, name] = passageEvidence([LIST.text, AUTO_COMPRESS.text, NAME.text], terms);
    expect(list).toBeGreaterThan(autoCompress); // list, contents, archive on one line; do, archive
    expect(name).toBeLessThan(list); // "archiving" alone
  });

  it('weighs what a question asks about, not the words it is phrased in, however rare among the chunks', () => {
    // BibTeX's manual (btxdoc): hybrid showed the first chunk for "BibTeX's ... to do", a word of
    // the question's phrasing, not of its subject.
    const question = queryTerms(subjectOf('how do I cite a book with an editor in bibtex'));
    const SPECIAL = {
      chunkNo: 70,
      text: "This special-character scheme is useful for handling accented characters, for getting BibTeX's alphabetizing to do what you want.\nBibTeX counts an entire special character as just one character.\nBibTeX will not process a control sequence inside a special character.",
    };
    const FIELDS = {
      chunkNo: 52,
      text: 'book A book with an explicit publisher. Required fields: author or editor, title, publisher, year.\nbooklet A work that is printed and bound, but without a named publisher.\neditor Name(s) of editor(s), typed as indicated in the LaTeX book.',
    };
    const candidates = mergeChunkCandidates([FIELDS], [{ ...SPECIAL, similarity: 0.94 }]);
    expect(chooseShownChunk(candidates, question)?.chunkNo).toBe(FIELDS.chunkNo);
  });

  it("shows file(1) from its NAME line for 'find out what type of file this is', not from 'printed out'", () => {
    // file(1)'s chunks as Quarry made them: the words' three best and e5-small-v2's nearest (its
    // TODO list), where "out", the rarest word among the candidates, stood beside "file".
    const NAME_LINE = { chunkNo: 0, text: 'NAME\n\nfile — determine file type' };
    const PRINTED = {
      chunkNo: 3,
      text: "The type printed will usually contain one of the words text (the file contains only printing characters and a few common control characters and is probably safe to read on an ASCII terminal), executable (the file contains the result of compiling a program in a form understandable to some UNIX kernel or another), or data meaning anything else (data is usually \u201cbinary\u201d or non-printable). Exceptions are well-known file formats (core files, tar archives) that are known to contain binary data. When modifying magic files or the program itself, make sure to preserve these keywords. Users depend on knowing that all the readable files in a directory have the word \u201ctext\u201d printed. Don't do as Berkeley did and change \u201cshell commands text\u201d to \u201cshell script\u201d.",
    };
    const APPLE = {
      chunkNo: 12,
      text: '--apple Causes the file command to output the file type and creator code as used by older MacOS versions. The code consists of eight letters, the first describing the file type, the latter the creator. This option works properly only for file formats that have the apple-style output defined. -b, --brief Do not prepend filenames to output lines (brief mode). -C, --compile Write a magic.mgc output file that contains a pre-parsed version of the magic file or directory. -c, --checking-printout Cause a checking printout of the parsed form of the magic file.',
    };
    const TODO = {
      chunkNo: 39,
      text: 'Continue to squash all magic bugs. See Debian BTS for a good source.\n\nStore arbitrarily long strings, for example for %s patterns, so that they can be printed out. Fixes Debian bug #271672. This can be done by allocating strings in a string pool, storing the string pool at the end of the magic file and converting all the string pointers to relative offsets from the string pool.\n\nAdd syntax for relative offsets after current level (Debian bug #466037).\n\nMake file -ki work, i.e. give multiple MIME types.\n\nAdd a zip library so we can peek inside Office2007 documents to print more details about their contents.',
    };
    const candidates = mergeChunkCandidates([NAME_LINE, APPLE, PRINTED], [{ ...TODO, similarity: 0.937 }]);
    const question = 'find out what type of file this is';
    expect(chooseShownChunk(candidates, queryTerms(subjectOf(question)))?.chunkNo).toBe(NAME_LINE.chunkNo);
  });

  it('between passages holding equally many terms, the chunk nearer by meaning is shown', () => {
    const chosen = chooseShownChunk(
      [
        { chunkNo: 0, text: 'Extract files from an archive.', lexicalRank: 1, similarity: 0.8 },
        { chunkNo: 1, text: 'Create a new archive.', lexicalRank: 2, similarity: 0.85 },
      ],
      terms,
    );
    expect(chosen?.chunkNo).toBe(1);
  });

  it('without query words in any candidate, meaning decides, then BM25', () => {
    const none = queryTerms('zzz');
    expect(
      chooseShownChunk(
        [
          { chunkNo: 4, text: 'a', similarity: 0.81 },
          { chunkNo: 7, text: 'b', similarity: 0.83 },
        ],
        none,
      )?.chunkNo,
    ).toBe(7);
    expect(
      chooseShownChunk(
        [
          { chunkNo: 4, text: 'a', lexicalRank: 2 },
          { chunkNo: 7, text: 'b', lexicalRank: 1 },
        ],
        none,
      )?.chunkNo,
    ).toBe(7);
    expect(chooseShownChunk([], terms)).toBeUndefined();
  });

  it('a chunk both sides list is one candidate with both', () => {
    const merged = mergeChunkCandidates([LIST, FORMAT], [{ ...FORMAT, similarity: 0.9 }]);
    expect(
      merged.map(({ chunkNo, lexicalRank, similarity }) => ({ chunkNo, lexicalRank, similarity })),
    ).toEqual([
      { chunkNo: 12, lexicalRank: 1, similarity: undefined },
      { chunkNo: 34, lexicalRank: 2, similarity: 0.9 },
    ]);
  });
});

describe('passageOf', () => {
  // dvips' manual as Quarry chunks it: its chapter heading stands alone over a page-long paragraph.
  const section = { page: 4, heading: ['1 Why use Dvips?'], lines: [1, 1] as [number, number] };
  const heading = { chunkNo: 3, text: '1 Why use Dvips?', location: section };
  const under = {
    chunkNo: 4,
    text: 'The Dvips program has a number of features that set it apart from other PostScript drivers.',
    location: { ...section, lines: [3, 12] as [number, number] },
  };

  it('shows the text under a heading that is a chunk alone, not the heading', () => {
    expect(passageOf([heading, under], 3)).toBe(under);
    expect(passageOf([under, heading], 3)).toBe(under);
  });

  it('shows the chunk asked for when it is text, or when the next is another section', () => {
    const next = { ...under, chunkNo: 5, text: 'Installing Dvips is mostly the same as any program.' };
    expect(passageOf([under, next], 4)).toBe(under);
    const other = { ...under, location: { ...section, heading: ['2 Installation'] } };
    expect(passageOf([heading, other], 3)).toBe(heading);
    expect(passageOf([heading], 3)).toBe(heading);
    expect(passageOf([], 3)).toBeUndefined();
  });

  it('shows the best chunk by the words that is not a heading alone, and weighs a heading alone last', () => {
    // A heading alone holds the query's words densely: BM25 and passage evidence rank it first.
    expect(firstPassage([heading, under])).toBe(under);
    expect(firstPassage([heading])).toBe(heading);
    const terms = queryTerms('why use dvips');
    expect(chooseShownChunk([heading, { ...under, similarity: 0.9 }], terms)).toMatchObject({ chunkNo: 4 });
  });
});
