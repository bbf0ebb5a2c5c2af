import { extractInfo, isInfo } from './info';

const PREAMBLE = `This is demo.info, produced by makeinfo version 6.8 from demo.texi.

Copyright (C) 2024 Nobody.
INFO-DIR-SECTION Demos
START-INFO-DIR-ENTRY
* Demo: (demo).   A demonstration.
END-INFO-DIR-ENTRY
`;

const node = (name: string, body: string) => `\x1f\nFile: demo.info,  Node: ${name},  Up: Top\n\n${body}`;

const info = (...nodes: string[]) =>
  Buffer.from(
    `${PREAMBLE}${nodes.join('')}\x1f\nTag Table:\nNode: Top\x7f120\n\x1f\nEnd Tag Table\n\n\x1f\nLocal Variables:\ncoding: utf-8\nEnd:\n`,
    'utf8',
  );

describe('extractInfo', () => {
  it('reads nodes as sections, underlines as heading levels, without what a reader navigates by', () => {
    const bytes = info(
      node(
        'Top',
        'Demo Manual\n***********\n\nThis manual shows a demo.\n\n* Menu:\n\n* Sorting::    How to sort.\n',
      ),
      node('Sorting', '1 Sorting\n*********\n\n* Menu:\n\n* Order::   Which comes first.\n'),
      node(
        'Order',
        'Sorting puts lines in order.\n\n1.1 Keys\n========\n\nA key picks the field.\n\n1.1.1 Numeric keys\n------------------\n\nNumbers sort by value.\n\nTiny\n....\n\n     # a shell comment in an example\n',
      ),
      node('Index', 'Index\n*****\n\n\0\b[index\0\b]\n* Menu:\n\n* keys:   Sorting.   (line 6)\n'),
    );
    expect(isInfo(bytes)).toBe(true);
    const result = extractInfo(bytes);
    expect(result).toEqual({
      kind: 'extracted',
      format: 'info',
      title: 'Demo Manual',
      text: [
        '# Demo Manual',
        '',
        'This manual shows a demo.',
        '',
        '# 1 Sorting',
        '',
        'Sorting puts lines in order.',
        '',
        '## 1.1 Keys',
        '',
        'A key picks the field.',
        '',
        '### 1.1.1 Numeric keys',
        '',
        'Numbers sort by value.',
        '',
        '#### Tiny',
        '',
        '     # a shell comment in an example',
        '',
        // A heading without text of its own leaves no chunk; the index's entries are gone.
        '# Index',
      ].join('\n'),
    });
  });

  it('reads cross references as the printed manual does', () => {
    const result = extractInfo(
      info(
        node(
          'Top',
          [
            'Top\n***\n',
            '*Note Sorting::.  Also see *note Common\noptions::.',
            'Print it (*note Execution Cycle::) or (*note How it works: Execution Cycle.).',
            'The regex is *note basic: BRE syntax. and *note extended: (grep)ERE syntax.',
            '*Note Keys: \x7fkey: value\x7f, for the syntax.',
          ].join('\n'),
        ),
      ),
    );
    expect(result).toMatchObject({
      text: [
        '# Top',
        '',
        'See Sorting.  Also see Common\noptions.',
        'Print it (see Execution Cycle) or (see How it works).',
        'The regex is basic and extended.',
        'See Keys, for the syntax.',
      ].join('\n'),
    });
  });

  it("shows an image's alternate text, drops a bare marker, and reads a node named with DEL quotes", () => {
    const bytes = Buffer.from(
      `${PREAMBLE}\x1f\nFile: demo.info,  Node: \x7fa: b\x7f,  Up: Top\n\nA: B\n****\n\n\0\b[image src="arch.png" alt="The \\"core\\" parts"\0\b]\nText.\n`,
      'utf8',
    );
    expect(extractInfo(bytes)).toMatchObject({
      title: 'demo.info: A: B',
      text: '# A: B\n\nThe "core" parts\nText.',
    });
  });

  it('titles a manual whose Top node has no heading by its name, a part without Top by its first chapter', () => {
    expect(
      extractInfo(info(node('Top', '* Menu:\n\n* Intro::\n'), node('Intro', '1 Intro\n*******\n\nHello.\n'))),
    ).toMatchObject({ title: 'demo.info', text: '# 1 Intro\n\nHello.' });
    expect(extractInfo(info(node('Later', '4.2 Later\n=========\n\nLate text.\n')))).toMatchObject({
      title: 'demo.info: 4.2 Later',
    });
  });

  it("skips a split manual's index file, naming its parts, and a file of menus only", () => {
    const index = Buffer.from(
      `${PREAMBLE}\x1f\nIndirect:\ndemo.info-1: 1201\ndemo.info-2: 30254\n\x1f\nTag Table:\n(Indirect)\n`,
    );
    expect(isInfo(index)).toBe(true);
    expect(extractInfo(index)).toEqual({
      kind: 'skipped',
      reason: 'the index of a split Info manual; its parts hold the text (demo.info-1, demo.info-2)',
    });
    expect(extractInfo(info(node('Top', '* Menu:\n\n* Intro::\n')))).toMatchObject({ kind: 'skipped' });
  });

  it('is not fooled by text that merely mentions Info', () => {
    expect(isInfo(Buffer.from('This is notes.txt, produced by makeinfo fans.\nFile: x,  Node: y\n'))).toBe(
      false,
    );
  });
});

describe('extractInfo on hostile input', () => {
  it('reads a file of unclosed cross references in linear time', () => {
    // Unbounded, each "*Note" scanned to the file's one colon at its end: 10^11 steps.
    const body = `${'*Note x '.repeat(200_000)}end: node.\n`;
    const result = extractInfo(Buffer.from(`${PREAMBLE}\x1f\nFile: demo.info,  Node: Top\n\n${body}`));
    expect(result).toMatchObject({ kind: 'extracted', format: 'info' });
  });
});
