import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDelta, formatDuration } from '../../src/report/format.ts';

describe('formatBytes', () => {
  it('uses decimal units like DevTools', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(532)).toBe('532 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(1234)).toBe('1.2 kB');
    expect(formatBytes(123_456)).toBe('123 kB');
    expect(formatBytes(1_200_000)).toBe('1.2 MB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(3_000_000_000)).toBe('3.0 GB');
  });

  it('picks the unit after rounding, so it never prints 1000 of a unit', () => {
    expect(formatBytes(999.6)).toBe('1.0 kB');
    expect(formatBytes(999_960)).toBe('1.0 MB');
    expect(formatBytes(99_960)).toBe('100 kB');
  });

  it('keeps the sign of negative sizes', () => {
    expect(formatBytes(-1500)).toBe('\u22121.5 kB');
  });
});

describe('formatCount', () => {
  it('groups thousands regardless of the system locale', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-4200)).toBe('\u22124,200');
  });
});

describe('formatDelta', () => {
  it('signs changes with + and a real minus', () => {
    expect(formatDelta(12)).toBe('+12');
    expect(formatDelta(-3)).toBe('\u22123');
    expect(formatDelta(0)).toBe('0');
    expect(formatDelta(12000)).toBe('+12,000');
  });

  it('formats the magnitude with any formatter', () => {
    expect(formatDelta(1_500_000, formatBytes)).toBe('+1.5 MB');
    expect(formatDelta(-532, formatBytes)).toBe('\u2212532 B');
    expect(formatDelta(0, formatBytes)).toBe('0 B');
  });
});

describe('formatDuration', () => {
  it('picks a unit that reads naturally', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(0.3)).toBe('<1 ms');
    expect(formatDuration(532)).toBe('532 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });
});
