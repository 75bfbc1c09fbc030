// Number formatting for reports. Output is locale-independent (en-US digits and separators) so that
// tests, CI logs and diffs between machines agree.

/** U+2212 MINUS SIGN: as wide as `+`, so signed columns line up. */
export const MINUS_SIGN = '\u2212';

// Decimal units, as Chrome DevTools' memory panel shows them (kB = 1000 B), so that a size printed
// here matches the number a user sees for the same snapshot in DevTools.
const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;
const BYTE_BASE = 1000;

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Formats a byte count for people: `532 B`, `1.2 kB`, `12.3 MB`, `123 MB`.
 * One decimal below 100 of a unit, none above (DevTools' rule). Decimals and unit are chosen after
 * rounding, so 99,960 B reads `100 kB` (not `100.0 kB`) and 999,960 B reads `1.0 MB` (not `1000 kB`). Negative sizes keep their sign.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  const sign = n < 0 ? MINUS_SIGN : '';
  let value = Math.abs(n);
  if (Math.round(value) < BYTE_BASE) return `${sign}${Math.round(value)} B`;
  let unit = 0;
  let text = '';
  while (unit < BYTE_UNITS.length - 1) {
    value /= BYTE_BASE;
    unit++;
    text = value.toFixed(1);
    if (Number(text) >= 100) text = value.toFixed(0);
    if (Number(text) < BYTE_BASE || unit === BYTE_UNITS.length - 1) break;
  }
  return `${sign}${text} ${BYTE_UNITS[unit]}`;
}

/** Formats a count with thousands separators: `1,234,567`. */
export function formatCount(n: number): string {
  // Intl keeps a sign on values that round to zero ("-0"); a count never should.
  const text = countFormat.format(n);
  return text === '-0' ? '0' : text.replace('-', MINUS_SIGN);
}

/**
 * Formats a signed change: `+12`, `−3`, `0`. `formatMagnitude` formats the absolute value,
 * e.g. `formatDelta(-1500, formatBytes)` gives `−1.5 kB`.
 */
export function formatDelta(n: number, formatMagnitude: (n: number) => string = formatCount): string {
  const magnitude = formatMagnitude(Math.abs(n));
  if (n > 0 && magnitude !== '0' && magnitude !== '0 B') return `+${magnitude}`;
  if (n < 0 && magnitude !== '0' && magnitude !== '0 B') return `${MINUS_SIGN}${magnitude}`;
  return magnitude;
}

/** Formats an elapsed time: `<1 ms`, `532 ms`, `1.2 s`, `42 s`, `2m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`;
  if (ms < 0) return `${MINUS_SIGN}${formatDuration(-ms)}`;
  if (ms === 0) return '0 ms';
  if (ms < 1) return '<1 ms';
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  if (Math.round(seconds) < 60) return `${Math.round(seconds)} s`;
  const totalSeconds = Math.round(seconds);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h ${String(totalMinutes % 60).padStart(2, '0')}m`;
}
