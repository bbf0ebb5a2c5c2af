import {
  DEFAULT_FRAGMENTS,
  fragmentsOf,
  highlightFragments,
  highlightPassages,
  highlightWhole,
  locateWords,
  queryTerms,
  subjectOf,
  termsOfPassages,
  wordPairs,
  WordLocator,
} from './highlighter';

describe('highlighter', () => {
  it('matches words as the english analyzer does: stems, possessives, no stop words', () => {
    const terms = queryTerms("the daemon's running files");
    expect([...terms].sort()).toEqual(['daemon', 'file', 'run']);
    expect(highlightFragments('The daemon runs. It keeps a file of the jobs it ran.', terms)).toEqual([
      'The <em>daemon</em> <em>runs</em>.',
      'It keeps a <em>file</em> of the jobs it ran.',
    ]);
  });

  it('cuts words as the standard tokenizer does: x86_64 and foo.bar are one word, a hyphen separates', () => {
    expect(
      highlightFragments('Build foo.bar for x86_64, not bar; e-mail it.', queryTerms('bar x86_64 mail')),
    ).toEqual(['Build foo.bar for <em>x86_64</em>, not <em>bar</em>; e-<em>mail</em> it.']);
  });

  it('HTML-escapes what it does not mark, as Elasticsearch’s html encoder does', () => {
    expect(highlightFragments('Use <b>grep</b> & sed', queryTerms('grep'))).toEqual([
      'Use &lt;b&gt;<em>grep</em>&lt;/b&gt; &amp; sed',
    ]);
  });

  it('keeps the best sentences (most different words, then most words) in the order they occur', () => {
    const text =
      'Copy files here. Nothing matches in this one. Copy files between hosts over the network. Hosts only.';
    expect(
      highlightFragments(text, queryTerms('copy files between hosts'), { fragmentSize: 160, fragments: 2 }),
    ).toEqual([
      '<em>Copy</em> <em>files</em> here.',
      '<em>Copy</em> <em>files</em> <em>between</em> <em>hosts</em> over the network.',
    ]);
  });

  it('cuts a long sentence at a word boundary past the fragment size', () => {
    const text = `${'word '.repeat(60)}target ${'word '.repeat(10)}`;
    const [fragment] = highlightFragments(text, queryTerms('target'), { fragmentSize: 40, fragments: 1 });
    expect(fragment).toContain('<em>target</em>');
    expect(fragment.replace(/<\/?em>/g, '').length).toBeLessThan(60);
  });

  it('cuts lines without a sentence end (a synopsis) where a line ends, not inside a line', () => {
    // PostgreSQL's synopsis of ALTER TABLE: its `[, ... ]` ended a sentence, so a passage began
    // "] ALTER TABLE", and a cut at a space past the size ended one "new_column_name ALTER".
    const synopsis = [
      'ALTER TABLE [ IF EXISTS ] [ ONLY ] name [ * ]',
      '    action [, ...  ]',
      'ALTER TABLE [ IF EXISTS ] [ ONLY ] name [ * ]',
      '    RENAME [ COLUMN ] column_name TO new_column_name',
      'ALTER TABLE [ IF EXISTS ] name',
      '    RENAME TO new_name',
      'ALTER TABLE [ IF EXISTS ] name',
      '    SET SCHEMA new_schema',
    ].join('\n');
    const { best } = highlightPassages(synopsis, queryTerms('rename table'));
    expect(best).toMatch(
      /^<em>RENAME<\/em> \[ COLUMN \] column_name TO new_column_name ALTER <em>TABLE<\/em>/,
    );
  });

  it('shows a line escaped for the chunker (a comment in an example) as its file has it', () => {
    // Python's email examples: `# Send the email via our own SMTP server.` is stored as `\\# Send…`
    // so that the chunker does not read it as a heading; a snippet showed the backslash.
    const text = 'msg = EmailMessage()\n\\# Send the email via our own SMTP server.\ns = smtplib.SMTP()';
    const { best } = highlightPassages(text, queryTerms('send email over smtp'));
    expect(best).toBe(
      'msg = EmailMessage() # <em>Send</em> the <em>email</em> via our own <em>SMTP</em> server.',
    );
  });

  it('gives nothing when no query word occurs, and marks a whole title only when one does', () => {
    expect(highlightFragments('Nothing to see.', queryTerms('grep'))).toEqual([]);
    expect(highlightFragments('Nothing to see.', queryTerms(''))).toEqual([]);
    expect(highlightWhole('Grep manual', queryTerms('grep'))).toBe('<em>Grep</em> manual');
    expect(highlightWhole('Sed manual', queryTerms('grep'))).toBeUndefined();
  });
});

describe('locating the words once per text (WordLocator)', () => {
  const text =
    "NAME\n\nrm - remove files or directories\n\n-r, --recursive\nremove directories and their contents recursively\n\nDon't remove the user's files.";
  const terms = queryTerms("remove directories don't user");

  it('reads a text once per search, whoever asks, and renders the same fragments as highlighting it', () => {
    const locator = new WordLocator(terms);
    const located = locator.locate(text);
    expect(locator.locate(`${text}`)).toBe(located);
    expect(new WordLocator(terms).locate(text)).not.toBe(located);
    for (const fragments of [1, 3])
      expect(fragmentsOf(located, fragments)).toEqual(
        highlightPassages(text, terms, { ...DEFAULT_FRAGMENTS, fragments }),
      );
  });

  it("gives each passage's query terms, a word with an apostrophe as one term and nothing more", () => {
    // Read from the marked fragments, "Don't" and "user's" once gave "39", "t" and "s" besides,
    // terms of no query that weighed as the rarest evidence of the page.
    expect(termsOfPassages(locateWords(text, terms)).map((held) => [...held].sort())).toEqual([
      [...queryTerms('remove directories')].sort(),
      [...queryTerms('remove directories')].sort(),
      [...queryTerms("don't remove user")].sort(),
    ]);
  });
});

describe('subjectOf', () => {
  it("keeps what a question asks about, without its phrasing's words", () => {
    expect(subjectOf('how do I list the contents of an archive')).toBe('list contents archive');
    expect(subjectOf('how do I xqzvy the flurbo')).toBe('xqzvy flurbo');
    expect(subjectOf('What does my ssh-agent forward?')).toBe('ssh-agent forward?');
    expect(subjectOf('what does still reachable mean')).toBe('still reachable mean');
    // Phrasing whose words can also be a subject: only the phrase goes.
    expect(subjectOf('find out what type of file this is')).toBe('type file');
    expect(subjectOf('is there a way to figure out which process uses a port')).toBe('process uses port');
    expect(subjectOf('find files modified in the last day')).toBe('find files modified last day');
    expect(subjectOf('keep a command running after I log out')).toBe('keep command running after log out');
    expect(subjectOf('find out-of-date packages')).toMatch(/^find out-/);
    expect(subjectOf("what's the difference between tar and zip")).toBe('difference between tar zip');
    // A question word's stem is no question word: "uses" stems to "us".
    expect(subjectOf('which files are used by the process that uses port 80')).toBe(
      'files used process uses port 80',
    );
    // "so" joining a clause is phrasing; a shared object's ".so" is a subject.
    expect(subjectOf('ignore files so they are not tracked')).toBe('ignore files tracked');
    expect(subjectOf('store my password so git stops asking for it')).toBe('store password git stops asking');
    expect(subjectOf('how do I link against a .so file')).toBe('link against .so file');
    // Words that answer in reference text stay: "before", "more", "make".
    expect(subjectOf('how can I make grep print more lines before a match')).toBe(
      'make grep print more lines before match',
    );
  });

  it('is the query itself when it holds nothing else', () => {
    expect(subjectOf('how do I')).toBe('how do I');
    expect(subjectOf('to be or not to be')).toBe('to be or not to be');
  });
});

describe('wordPairs', () => {
  it('pairs each two neighbouring words, at most eight pairs', () => {
    expect(wordPairs('still reachable mean')).toEqual(['still reachable', 'reachable mean']);
    expect(wordPairs('ssh-agent')).toEqual(['ssh agent']);
    expect(wordPairs('single')).toEqual([]);
    expect(wordPairs('a b c d e f g h i j k l')).toHaveLength(8);
  });
});
