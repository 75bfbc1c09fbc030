// The parser's words for a bad number or byte, shared by every thread that reads a section (the
// sequential parser, the edges worker), so both paths report a bad file alike.

/** The message for a number its field cannot hold. */
export function outOfRangeMessage(record: string, item: number, field: string, value: number, reason: string): string {
  return `${record} ${item}: "${field}" is ${formatNumber(value)}, ${reason}`;
}

/** Past 2^53 the digits no longer accumulate exactly; say so rather than print a wrong value. */
function formatNumber(value: number): string {
  return value <= Number.MAX_SAFE_INTEGER ? String(value) : `about ${value.toExponential(6)}`;
}

export function describeByte(c: number): string {
  if (c >= 0x21 && c <= 0x7e) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
