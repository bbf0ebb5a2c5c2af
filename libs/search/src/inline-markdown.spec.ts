import { inlineMarkdownText } from './inline-markdown';

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
});
