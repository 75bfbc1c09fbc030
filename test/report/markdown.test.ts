// Markdown for GitHub step summaries: heap text must not break tables or inject HTML.
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderMarkdownTable } from '../../src/report/markdown.ts';

describe('markdown', () => {
  it('escapes table pipes, emphasis, links and HTML from heap names', () => {
    expect(escapeMarkdown('a|b')).toBe('a\\|b');
    expect(escapeMarkdown('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeMarkdown('[x](http://e)')).toBe('\\[x\\](http://e)');
    expect(escapeMarkdown('__proto__ *x*')).toBe('\\_\\_proto\\_\\_ \\*x\\*');
    expect(escapeMarkdown('line\nbreak\u001b[31m')).not.toMatch(/[\n\u001b]/);
  });

  it('renders an aligned GitHub table', () => {
    expect(renderMarkdownTable(['Class', 'Δ'], [['{a|b}', '+1']], ['left', 'right'])).toBe('| Class | Δ |\n| --- | ---: |\n| {a\\|b} | +1 |');
  });
});
