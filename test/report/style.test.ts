import { describe, expect, it } from 'vitest';
import { createStyle, resolveColorLevel } from '../../src/report/style.ts';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('resolveColorLevel', () => {
  it('colours a TTY and not a pipe', () => {
    expect(resolveColorLevel({ stream: tty, env: {} })).toBe(1);
    expect(resolveColorLevel({ stream: pipe, env: {} })).toBe(0);
    expect(resolveColorLevel({ env: {} })).toBe(0);
  });

  it('uses the stream colour depth when it has one', () => {
    expect(resolveColorLevel({ stream: { isTTY: true, getColorDepth: () => 24 }, env: {} })).toBe(3);
    expect(resolveColorLevel({ stream: { isTTY: true, getColorDepth: () => 8 }, env: {} })).toBe(2);
  });

  it('turns colour off for a non-empty NO_COLOR only', () => {
    expect(resolveColorLevel({ stream: tty, env: { NO_COLOR: '1' } })).toBe(0);
    expect(resolveColorLevel({ stream: tty, env: { NO_COLOR: '' } })).toBe(1);
  });

  it('turns colour off for TERM=dumb', () => {
    expect(resolveColorLevel({ stream: tty, env: { TERM: 'dumb' } })).toBe(0);
  });

  it('reads FORCE_COLOR as chalk does, and lets it beat NO_COLOR', () => {
    expect(resolveColorLevel({ stream: pipe, env: { FORCE_COLOR: '' } })).toBe(1);
    expect(resolveColorLevel({ stream: pipe, env: { FORCE_COLOR: 'true' } })).toBe(1);
    expect(resolveColorLevel({ stream: pipe, env: { FORCE_COLOR: '2' } })).toBe(2);
    expect(resolveColorLevel({ stream: pipe, env: { FORCE_COLOR: '9' } })).toBe(3);
    expect(resolveColorLevel({ stream: tty, env: { FORCE_COLOR: '0' } })).toBe(0);
    expect(resolveColorLevel({ stream: tty, env: { FORCE_COLOR: 'false' } })).toBe(0);
    expect(resolveColorLevel({ stream: pipe, env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).toBe(1);
  });

  it('lets an explicit color option beat the environment', () => {
    expect(resolveColorLevel({ stream: tty, color: false, env: { FORCE_COLOR: '3' } })).toBe(0);
    expect(resolveColorLevel({ stream: pipe, color: true, env: { NO_COLOR: '1' } })).toBe(1);
  });
});

describe('createStyle', () => {
  it('returns identity functions when colour is off', () => {
    const style = createStyle({ stream: tty, env: { NO_COLOR: '1' } });
    expect(style.level).toBe(0);
    expect(style.red('x')).toBe('x');
    expect(style.bold(style.dim('y'))).toBe('y');
  });

  it('emits ANSI codes when colour is on', () => {
    const style = createStyle({ stream: tty, env: {} });
    expect(style.red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(style.bold('x')).toBe('\x1b[1mx\x1b[22m');
  });
});
