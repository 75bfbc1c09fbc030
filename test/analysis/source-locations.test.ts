// pathOfFileUrl: the one conversion from a script's file URL to a path, used by every printed
// location, the source-map reader and the package resolver.
import { describe, expect, it } from 'vitest';
import { displayPath, pathOfFileUrl } from '../../src/analysis/source-locations.ts';
import { formatSourceLocation } from '../../src/report/allocation-sites.ts';

describe('pathOfFileUrl', () => {
  it('decodes a file URL into the path it names', () => {
    expect(pathOfFileUrl('file:///app/my%20server/index.mjs')).toBe('/app/my server/index.mjs');
  });

  it('gives null for other text and for file URLs that name no path here', () => {
    expect(pathOfFileUrl('/app/index.js')).toBeNull();
    expect(pathOfFileUrl('node:internal/url')).toBeNull();
    expect(pathOfFileUrl('https://example.com/a.js')).toBeNull();
    expect(pathOfFileUrl('file://remote-host/app/index.js')).toBeNull();
    expect(pathOfFileUrl('file:///app/a%2Fb.js')).toBeNull();
  });
});

describe('formatSourceLocation, the one location format', () => {
  it('keeps the script as given (closure labels show file URLs) and shows displayPath relative to baseDir', () => {
    expect(formatSourceLocation('file:///app/a.mjs', 3, 5)).toBe('file:///app/a.mjs:3:5');
    expect(formatSourceLocation(displayPath('file:///app/src/a.mjs'), 3, 5, '/app')).toBe('src/a.mjs:3:5');
    expect(formatSourceLocation(displayPath('node:internal/url'), 874, 0)).toBe('node:internal/url:874');
    expect(formatSourceLocation('', 1, 1)).toBe('');
  });
});
