import { inlineMarkdownText, withoutLinkMarkup } from './inline-markdown';

describe('inlineMarkdownText', () => {
  it('reads links, code and emphasis as their text, and drops badges and tags', () => {
    expect(
      inlineMarkdownText(
        '@codemirror/language [![NPM version](https://img.shields.io/npm/v/@codemirror/language.svg)](https://www.npmjs.org/package/@codemirror/language)',
      ),
    ).toBe('@codemirror/language');
    expect(inlineMarkdownText('`@humanfs/node`')).toBe('@humanfs/node');
    expect(inlineMarkdownText('The [retry](#retry) **API** and *options*')).toBe('The retry API and options');
    expect(inlineMarkdownText('Usage with [Jest][jest] <img src="logo.png" width="20">')).toBe(
      'Usage with Jest',
    );
    // Underscores are left alone: they are part of names (snake_case, __init__).
    expect(inlineMarkdownText('`__init__` and max_size')).toBe('__init__ and max_size');
    expect(inlineMarkdownText('a * b * c')).toBe('a * b * c');
  });

  it('keeps a heading that is only an image as it was rather than empty', () => {
    expect(inlineMarkdownText('![Logo](logo.svg)')).toBe('![Logo](logo.svg)');
  });

  it('shows a chunk with its links as their text and its badges gone, line by line', () => {
    const readme =
      '[ [**WEBSITE**](https://codemirror.net/6/) | [**DOCS**](https://codemirror.net/6/docs/ref/#language) ]\n' +
      '[![Build](https://ci.example/badge.svg)](https://ci.example) Parses [JSON](https://json.org) fast.\n' +
      'An array [0] and a call f(x) stay. We have a [code of\nconduct](http://contributor-covenant.org/) too.\n\n[a](b';
    expect(withoutLinkMarkup(readme)).toBe(
      '[ **WEBSITE** | **DOCS** ]\n Parses JSON fast.\nAn array [0] and a call f(x) stay. We have a code of\nconduct too.\n\n[a](b',
    );
  });
});
