// Where a JSON value ends, followed byte by byte without parsing it: the parser's "snapshot" header
// (parsed whole once it ends) and the sections it skips, and the sections the allocation-trace
// reader copies or skips. Strings and their escapes are followed so that a bracket or quote inside a
// string does not count.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

export class JsonValueTracker {
  #depth = 0;
  #inString = false;
  #escaped = false;

  /** Before the first byte of a value. */
  reset(): void {
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
  }

  /** Outside every string, object and array of the value: where a number or a literal ends, at `,` or `}`. */
  get isAtTopLevel(): boolean {
    return this.#depth === 0 && !this.#inString;
  }

  /** Follows byte `c`; true when it ends the value (its last closing bracket, or the quote that ends a string value). */
  endsValue(c: number): boolean {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (c === BACKSLASH) this.#escaped = true;
      else if (c === QUOTE) {
        this.#inString = false;
        return this.#depth === 0;
      }
      return false;
    }
    if (c === QUOTE) this.#inString = true;
    else if (c === LBRACE || c === LBRACKET) this.#depth++;
    else if (c === RBRACE || c === RBRACKET) return --this.#depth === 0;
    return false;
  }
}
