// Colour policy in one place. Reporters take a Style and never look at the environment themselves,
// so a test or a `--no-color` flag decides colour for the whole report.

import { Chalk, type ChalkInstance } from 'chalk';

export type ColorLevel = 0 | 1 | 2 | 3;

export const STYLE_NAMES = [
  'bold',
  'dim',
  'italic',
  'underline',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'gray',
] as const;

export type StyleName = (typeof STYLE_NAMES)[number];

export type Style = Record<StyleName, (text: string) => string> & {
  /** 0 when every function is the identity. */
  readonly level: ColorLevel;
};

export interface CreateStyleOptions {
  /** The stream the text will be written to; colour needs a TTY unless forced. */
  stream?: { isTTY?: boolean; getColorDepth?: (env?: object) => number };
  /** An explicit choice (`--color` / `--no-color`) that beats the environment. */
  color?: boolean;
  env?: Record<string, string | undefined>;
}

/**
 * Reads FORCE_COLOR the way chalk's supports-color does: `true` or empty is level 1, `false` is 0,
 * a number is that level capped at 3. Unparseable values mean "force", so level 1.
 */
function parseForceColor(value: string): ColorLevel {
  if (value === 'false') return 0;
  if (value === 'true' || value === '') return 1;
  const level = Number.parseInt(value, 10);
  if (Number.isNaN(level)) return 1;
  return Math.max(0, Math.min(level, 3)) as ColorLevel;
}

function levelFromDepth(depth: number): ColorLevel {
  if (depth >= 24) return 3;
  if (depth >= 8) return 2;
  if (depth >= 4) return 1;
  return 0;
}

/**
 * Decides the colour level. Order: an explicit `color` option, then FORCE_COLOR (it wins over
 * NO_COLOR, as in Node's own tty.getColorDepth and chalk), then a non-empty NO_COLOR
 * (https://no-color.org), then TERM=dumb, then whether the stream is a TTY.
 */
export function resolveColorLevel(options: CreateStyleOptions = {}): ColorLevel {
  const env = options.env ?? process.env;
  const stream = options.stream;
  const ttyLevel = (): ColorLevel => {
    if (!stream?.isTTY) return 0;
    return stream.getColorDepth ? levelFromDepth(stream.getColorDepth(env)) : 1;
  };
  if (options.color === false) return 0;
  if (options.color === true) return Math.max(1, ttyLevel()) as ColorLevel;
  if (env.FORCE_COLOR !== undefined) return parseForceColor(env.FORCE_COLOR);
  if (env.NO_COLOR) return 0;
  if (env.TERM === 'dumb') return 0;
  return ttyLevel();
}

/** Returns styling functions for `stream`; each is the identity when colour is off. */
export function createStyle(options: CreateStyleOptions = {}): Style {
  const level = resolveColorLevel(options);
  const chalk: ChalkInstance = new Chalk({ level });
  const style = { level } as { -readonly [K in keyof Style]: Style[K] };
  for (const name of STYLE_NAMES) {
    style[name] = level === 0 ? (text: string) => text : (text: string) => chalk[name](text);
  }
  return style;
}

/** A style that never colours: for files, JSON, and tests. */
export const PLAIN_STYLE: Style = createStyle({ color: false });
