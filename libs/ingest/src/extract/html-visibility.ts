import type { DomDocument } from './html-text';

/** What a reader never sees: hidden by the page (attribute, ARIA, inline style) or never rendered. */
const HIDDEN = 'script, style, noscript, template, [hidden], [aria-hidden="true"]';
const INLINE_HIDDEN = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)/i;
/** Selectors of a page's stylesheets applied at most: each is a query over the whole page. */
const SHEET_SELECTORS = 500;
/**
 * Never removed for a stylesheet rule: pages hide their body until a script shows it (anti-clickjacking
 * `body { display: none }`), which a reader with scripts sees.
 */
const PAGE_ROOTS = new Set(['HTML', 'HEAD', 'BODY', 'MAIN']);

/**
 * Removes what the page hides from its reader: `hidden`, `aria-hidden`, inline `display:none` or
 * `visibility:hidden`, `<template>`, and elements that the page's own stylesheets hide with a plain
 * selector (`.keyboard-help { display: none }`). Rules inside `@media` and other at-rules (print
 * styles, small screens) are not applied, nor are selectors with pseudo-classes.
 */
export function removeHidden(document: DomDocument): void {
  const hiddenBySheet: string[] = [];
  for (const sheet of Array.from(document.querySelectorAll('style')))
    for (const rule of topLevelRules(sheet.textContent ?? ''))
      if (INLINE_HIDDEN.test(rule.declarations))
        hiddenBySheet.push(
          ...rule.selector
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s && !s.includes(':')),
        );
  for (const element of Array.from(document.querySelectorAll(HIDDEN))) element.remove();
  for (const element of Array.from(document.querySelectorAll('[style]')))
    if (INLINE_HIDDEN.test(element.getAttribute('style') ?? '')) element.remove();
  for (const selector of hiddenBySheet.slice(0, SHEET_SELECTORS)) {
    try {
      for (const element of Array.from(document.querySelectorAll(selector)))
        if (!PAGE_ROOTS.has(element.nodeName)) element.remove();
    } catch {
      // A selector linkedom does not understand hides nothing here.
    }
  }
}

/** `selector { declarations }` rules of a stylesheet outside at-rule blocks, comments dropped. */
function topLevelRules(css: string): { selector: string; declarations: string }[] {
  const rules: { selector: string; declarations: string }[] = [];
  const source = css.replace(/\/\*[\s\S]*?\*\/|<!--|-->/g, '');
  let depth = 0;
  let start = 0;
  let selectorStart = 0;
  let atRule = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '{') {
      if (depth === 0) {
        const selector = source.slice(selectorStart, i).trim();
        atRule = selector.startsWith('@');
        start = i + 1;
        if (!atRule) rules.push({ selector, declarations: '' });
      }
      depth++;
    } else if (char === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        if (!atRule && rules.length) rules[rules.length - 1].declarations = source.slice(start, i);
        selectorStart = i + 1;
      }
    } else if (char === ';' && depth === 0) {
      selectorStart = i + 1;
    }
  }
  return rules;
}
