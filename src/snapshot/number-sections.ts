// The numeric sections of a snapshot ("nodes", "edges", "locations"), read digit by digit straight
// into de-interleaved typed-array columns whose field roles come from the header (parser-layout.ts).
// Exact numbers or a refusal: each number is checked against what its field can hold and mean
// (32-bit ids and indexes, self sizes below 2^53, types within meta's lists, to_node a node index)
// once, when it is stored; string indexes are checked at the end against the string count, through
// the largest one seen, so the error can still name where it was written.
// SnapshotParser (parser.ts) hands each numeric section's bytes here; the "edges" of big plain
// files may instead be filled by edge-decoding.ts (skipEdges, adoptEdgeNameMaximum).

import { SnapshotFormatError } from '../errors.ts';
import { grownUint32 } from './typed-arrays.ts';
import { allocateNumberColumns, OrdinalList, type NumberColumns, type StringIndexMaximum } from './number-columns.ts';
import { describeByte, outOfRangeMessage } from './parser-messages.ts';
import {
  EdgeRole, LocRole, NO_CHECKS, NodeRole, numbersBudget, UINT32_MAX,
  type FieldChecks, type SnapshotLayout,
} from './parser-layout.ts';

const COMMA = 0x2c;
const RBRACKET = 0x5d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** More digits than this cannot be a field V8 writes (self sizes are 48-bit). */
const MAX_DIGITS = 16;

const enum Section { Nodes, Edges, Locations }

export type { NumberColumns, StringIndexMaximum };

export class NumberSections {
  readonly #file: string;
  readonly #layout: SnapshotLayout;
  // Copied from the layout: read once per number.
  readonly #nodeCount: number;
  readonly #edgeCount: number;
  readonly #nodeFieldCount: number;
  readonly #edgeFieldCount: number;
  readonly #locFieldCount: number;
  readonly #nodeRoles: Uint8Array;
  readonly #edgeRoles: Uint8Array;
  readonly #locRoles: Uint8Array;
  readonly #isStringEdge: Uint8Array;
  readonly #isEdgeTypeFirst: boolean;

  // the section being read
  #section = Section.Nodes;
  #sectionName = '';
  /** It must close before this offset; the refusal's text when it does not. */
  #sectionLimit = Infinity;
  #sectionLimitReason = '';
  #checks: FieldChecks = NO_CHECKS;
  #limits: Float64Array = NO_CHECKS.limits;
  #value = 0;
  #digits = 0;
  #field = 0;
  #item = 0;
  /** Offset of the byte an error names. */
  #offset = 0;
  /** False once the section's ']' has been read. */
  isOpen = false;

  #edgeSum = 0;
  // The largest string index among node names / string-named edges, its record and offset.
  #nodeNameMax = -1;
  #nodeNameMaxItem = -1;
  #nodeNameMaxOffset = -1;
  #edgeNameMax = -1;
  #edgeNameMaxItem = -1;
  #edgeNameMaxOffset = -1;
  #locationCount = 0;

  // columns
  readonly #nodeType: Uint8Array;
  readonly #nodeName: Uint32Array;
  readonly #nodeId: Uint32Array;
  #selfSize: Uint32Array | Float64Array;
  readonly #nodeEdgeCount: Uint32Array;
  readonly #attached = new OrdinalList();
  readonly #detached = new OrdinalList();
  readonly #traceNodeId: Uint32Array | null;
  readonly #edgeType: Uint8Array;
  readonly #edgeNameOrIndex: Uint32Array;
  readonly #edgeTarget: Uint32Array;
  #locObject = new Uint32Array(0);
  #locScriptId = new Uint32Array(0);
  #locLine = new Uint32Array(0);
  #locColumn = new Uint32Array(0);

  /** The columns the header announces (allocateNumberColumns); `offset` names the header's end. */
  constructor(file: string, layout: SnapshotLayout, shared: boolean, offset: number) {
    this.#file = file;
    this.#layout = layout;
    this.#nodeCount = layout.nodeCount;
    this.#edgeCount = layout.edgeCount;
    this.#nodeFieldCount = layout.nodeFieldCount;
    this.#edgeFieldCount = layout.edgeFieldCount;
    this.#locFieldCount = layout.locFieldCount;
    this.#nodeRoles = layout.nodeRoles;
    this.#edgeRoles = layout.edgeRoles;
    this.#locRoles = layout.locRoles;
    this.#isStringEdge = layout.isStringEdge;
    this.#isEdgeTypeFirst = layout.isEdgeTypeFirst;
    const columns = allocateNumberColumns(file, layout, shared, offset);
    this.#nodeType = columns.nodeType;
    this.#nodeName = columns.nodeName;
    this.#nodeId = columns.nodeId;
    this.#selfSize = columns.selfSize;
    this.#nodeEdgeCount = columns.nodeEdgeCount;
    this.#traceNodeId = columns.traceNodeId;
    this.#edgeType = columns.edgeType;
    this.#edgeNameOrIndex = columns.edgeNameOrIndex;
    this.#edgeTarget = columns.edgeTarget;
  }

  #fail(message: string, offset: number = this.#offset): never {
    throw new SnapshotFormatError(this.#file, message, offset);
  }

  /** Just after the '[' of section `key` ("nodes", "edges" or "locations"), at `offset`. */
  start(key: string, offset: number): void {
    const budget = numbersBudget(this.#layout, key);
    this.#sectionLimit = offset + budget.maxSectionBytes;
    this.#sectionLimitReason = budget.sectionTooLong;
    this.#sectionName = key;
    this.#section = key === 'nodes' ? Section.Nodes : key === 'edges' ? Section.Edges : Section.Locations;
    this.#checks = this.#section === Section.Nodes ? this.#layout.nodeChecks : this.#section === Section.Edges ? this.#layout.edgeChecks : this.#layout.locChecks;
    this.#limits = this.#checks.limits;
    this.#value = 0;
    this.#digits = 0;
    this.#field = 0;
    this.#item = 0;
    this.isOpen = true;
  }

  /**
   * The hot loop: digits accumulate into #value; a separator stores it into the right column.
   * Returns the index after the bytes it took: after the ']' (isOpen false), or the chunk's end.
   */
  feed(chunk: Uint8Array, i: number, base: number): number {
    if (this.#section === Section.Nodes) return this.#feedNodes(chunk, i, base);
    const limit = this.#sectionLimit - base; // the section must close before this (chunk-relative)
    const n = limit < chunk.length ? limit : chunk.length;
    let value = this.#value;
    let digits = this.#digits;
    while (i < n) {
      const c = chunk[i];
      if (c >= DIGIT_0 && c <= DIGIT_9) {
        value = value * 10 + (c - DIGIT_0);
        if (++digits > MAX_DIGITS) this.#fail(`number too long in "${this.#sectionName}"`, base + i);
        i++;
        continue;
      }
      if (digits > 0) {
        this.#offset = base + i - digits; // errors about a number name its first digit
        this.#store(value);
        value = 0;
        digits = 0;
      }
      if (c === COMMA || c === 0x0a || c === 0x20 || c === 0x0d || c === 0x09) { i++; continue; }
      if (c === RBRACKET) {
        this.#offset = base + i;
        this.#value = 0;
        this.#digits = 0;
        this.#end();
        return i + 1;
      }
      this.#fail(`unexpected ${describeByte(c)} in "${this.#sectionName}" (only unsigned integers are allowed)`, base + i);
    }
    if (i >= limit) this.#fail(this.#sectionLimitReason, base + i);
    this.#value = value;
    this.#digits = digits;
    return i;
  }

  /**
   * feed for "nodes", the hot path of the main thread while the edges worker reads "edges": each
   * number is checked and stored here, with the record state in locals rather than private fields
   * (a call and a dozen field loads per number cost 2.5 s on a 1.7 GB snapshot).
   */
  #feedNodes(chunk: Uint8Array, i: number, base: number): number {
    const limit = this.#sectionLimit - base;
    const n = limit < chunk.length ? limit : chunk.length;
    const roles = this.#nodeRoles;
    const limits = this.#limits;
    const fieldCount = this.#nodeFieldCount;
    const nodeCount = this.#nodeCount;
    const edgeCount = this.#edgeCount;
    const nodeType = this.#nodeType;
    const nodeName = this.#nodeName;
    const nodeId = this.#nodeId;
    const nodeEdgeCount = this.#nodeEdgeCount;
    let selfSize = this.#selfSize;
    let value = this.#value;
    let digits = this.#digits;
    let field = this.#field;
    let item = this.#item;
    let edgeSum = this.#edgeSum;
    let nameMax = this.#nodeNameMax;
    while (i < n) {
      let c = chunk[i];
      if (c >= DIGIT_0 && c <= DIGIT_9) {
        // The rest of the number (it may have begun in the previous chunk).
        let j = i;
        do {
          value = value * 10 + (c - DIGIT_0);
          digits++;
          j++;
        } while (j < n && (c = chunk[j]) >= DIGIT_0 && c <= DIGIT_9);
        if (digits > MAX_DIGITS) {
          this.#saveNodeState(value, digits, field, item, edgeSum);
          this.#fail(`number too long in "${this.#sectionName}"`, base + j - digits + MAX_DIGITS);
        }
        i = j;
        if (j === n) break; // it may go on in the next chunk
      } else if (digits === 0) {
        if (c === COMMA || c === 0x0a || c === 0x20 || c === 0x0d || c === 0x09) { i++; continue; }
        this.#saveNodeState(value, digits, field, item, edgeSum);
        if (c === RBRACKET) {
          this.#offset = base + i;
          this.#end();
          return i + 1;
        }
        this.#fail(`unexpected ${describeByte(c)} in "${this.#sectionName}" (only unsigned integers are allowed)`, base + i);
      }
      // A number ends at chunk[i]: store it (chunk[i] is looked at on the next turn).
      const offset = base + i - digits; // errors about a number name its first digit
      if (item >= nodeCount || value > limits[field]) {
        this.#saveNodeState(value, digits, field, item, edgeSum);
        this.#offset = offset;
        if (item >= nodeCount) this.#fail(`"nodes" holds more than the ${nodeCount} nodes the header announces`);
        this.#failRange(value);
      }
      switch (roles[field]) {
        case NodeRole.Type: nodeType[item] = value; break;
        case NodeRole.Name:
          nodeName[item] = value;
          if (value > nameMax) {
            nameMax = value;
            this.#nodeNameMax = value;
            this.#nodeNameMaxItem = item;
            this.#nodeNameMaxOffset = offset;
          }
          break;
        case NodeRole.Id: nodeId[item] = value; break;
        case NodeRole.SelfSize:
          if (value > UINT32_MAX && selfSize instanceof Uint32Array) {
            this.#widenSelfSize();
            selfSize = this.#selfSize;
          }
          selfSize[item] = value;
          break;
        case NodeRole.EdgeCount:
          nodeEdgeCount[item] = value;
          edgeSum += value;
          if (edgeSum > edgeCount) {
            this.#saveNodeState(value, digits, field, item, edgeSum);
            this.#offset = offset;
            this.#fail(`node ${item}: the edge counts of nodes 0 to ${item} add up to ${edgeSum}, more than the ${edgeCount} edges the header announces`);
          }
          break;
        case NodeRole.TraceNodeId: this.#traceNodeId![item] = value; break;
        case NodeRole.Detachedness:
          // Sparse: Node.js heaps write the field but mark only a handful of nodes.
          if (value === 1) this.#attached.push(item);
          else if (value === 2) this.#detached.push(item);
          break;
      }
      if (++field === fieldCount) { field = 0; item++; }
      value = 0;
      digits = 0;
    }
    this.#saveNodeState(value, digits, field, item, edgeSum);
    if (i >= limit) this.#fail(this.#sectionLimitReason, base + i);
    return i;
  }

  // A method, not a closure: captured, the loop's locals would live in a heap context.
  #saveNodeState(value: number, digits: number, field: number, item: number, edgeSum: number): void {
    this.#value = value;
    this.#digits = digits;
    this.#field = field;
    this.#item = item;
    this.#edgeSum = edgeSum;
  }

  #store(value: number): void {
    switch (this.#section) {
      // "nodes" has its own loop (#feedNodes).
      case Section.Edges: return this.#storeEdgeField(value);
      default: return this.#storeLocationField(value);
    }
  }

  #storeEdgeField(value: number): void {
    const k = this.#item;
    if (k >= this.#edgeCount) this.#fail(`"edges" holds more than the ${this.#edgeCount} edges the header announces`);
    if (value > this.#limits[this.#field]) this.#failRange(value);
    switch (this.#edgeRoles[this.#field]) {
      case EdgeRole.Type: this.#edgeType[k] = value; break;
      case EdgeRole.NameOrIndex:
        this.#edgeNameOrIndex[k] = value;
        if (value > this.#edgeNameMax && this.#isEdgeTypeFirst && this.#isStringEdge[this.#edgeType[k]] === 1) {
          this.#edgeNameMax = value;
          this.#edgeNameMaxItem = k;
          this.#edgeNameMaxOffset = this.#offset;
        }
        break;
      case EdgeRole.ToNode: {
        const ordinal = value / this.#nodeFieldCount;
        if (ordinal !== Math.floor(ordinal)) this.#failRange(value);
        this.#edgeTarget[k] = ordinal;
        break;
      }
    }
    if (++this.#field === this.#edgeFieldCount) { this.#field = 0; this.#item++; }
  }

  #storeLocationField(value: number): void {
    const k = this.#item;
    if (k >= this.#locObject.length) this.#growLocations();
    if (value > this.#limits[this.#field]) this.#failRange(value);
    switch (this.#locRoles[this.#field]) {
      case LocRole.Object: {
        const ordinal = value / this.#nodeFieldCount;
        if (ordinal !== Math.floor(ordinal)) this.#failRange(value);
        this.#locObject[k] = ordinal;
        break;
      }
      case LocRole.ScriptId: this.#locScriptId[k] = value; break;
      case LocRole.Line: this.#locLine[k] = value; break;
      case LocRole.Column: this.#locColumn[k] = value; break;
    }
    if (++this.#field === this.#locFieldCount) { this.#field = 0; this.#item++; }
  }

  /** The number just read does not fit its field: name the record, the field and the value. */
  #failRange(value: number): never {
    const record = this.#section === Section.Nodes ? 'node' : this.#section === Section.Edges ? 'edge' : 'location';
    this.#fail(outOfRangeMessage(record, this.#item, this.#checks.names[this.#field], value, this.#checks.reasons[this.#field]));
  }

  #growLocations(): void {
    this.#locObject = grownUint32(this.#locObject, 1024);
    this.#locScriptId = grownUint32(this.#locScriptId, 1024);
    this.#locLine = grownUint32(this.#locLine, 1024);
    this.#locColumn = grownUint32(this.#locColumn, 1024);
  }

  #end(): void {
    const name = this.#sectionName;
    if (this.#field !== 0) this.#fail(`"${name}" ends in the middle of a record`);
    if (this.#section === Section.Nodes && this.#item !== this.#nodeCount) {
      this.#fail(`"nodes" holds ${this.#item} nodes, but the header announces ${this.#nodeCount}`);
    }
    if (this.#section === Section.Nodes && this.#edgeSum !== this.#edgeCount) {
      this.#fail(`the nodes' edge counts add up to ${this.#edgeSum}, but the header announces ${this.#edgeCount} edges`);
    }
    if (this.#section === Section.Edges && this.#item !== this.#edgeCount) {
      this.#fail(`"edges" holds ${this.#item} edges, but the header announces ${this.#edgeCount}`);
    }
    if (this.#section === Section.Locations) this.#locationCount = this.#item;
    this.isOpen = false;
  }

  /** The first self size above 32 bits: the column becomes a Float64Array, shared if it was. */
  #widenSelfSize(): void {
    const narrow = this.#selfSize;
    const wide = new Float64Array(narrow.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(narrow.length * 8) : new ArrayBuffer(narrow.length * 8));
    wide.set(narrow);
    this.#selfSize = wide;
  }

  /** The edge columns, for a worker to fill. */
  edgeColumns(): { edgeType: Uint8Array; edgeNameOrIndex: Uint32Array; edgeTarget: Uint32Array } {
    return { edgeType: this.#edgeType, edgeNameOrIndex: this.#edgeNameOrIndex, edgeTarget: this.#edgeTarget };
  }

  /** Whether nothing of "edges" has been read yet (right after its '['). */
  isAtEdgesStart(): boolean {
    return this.isOpen && this.#section === Section.Edges && this.#item === 0 && this.#field === 0 && this.#digits === 0;
  }

  /**
   * Someone else (a worker) fills the edge columns; the section's ']' is at `closeOffset`, which
   * must not be past the section's budget.
   */
  skipEdges(closeOffset: number): void {
    this.#item = this.#edgeCount;
    // Past the budget the worker refuses the section (or names an earlier error in it).
    if (closeOffset >= this.#sectionLimit) this.#fail(this.#sectionLimitReason, this.#sectionLimit);
  }

  /** After skipEdges, once the worker is done: the largest string index its string-named edges hold. */
  adoptEdgeNameMaximum(maximum: StringIndexMaximum): void {
    this.#edgeNameMax = maximum.value;
    this.#edgeNameMaxItem = maximum.item;
    this.#edgeNameMaxOffset = maximum.offset;
  }

  /** Where the input ended inside an open section, for the truncation message. */
  describeProgress(): string {
    const name = this.#sectionName;
    return ` inside "${name}" after ${this.#item} of ${name === 'nodes' ? this.#nodeCount : name === 'edges' ? this.#edgeCount : '?'} records`;
  }

  /**
   * Every name must index the strings table; element/hidden edge names are plain integers. The
   * largest index seen while streaming decides, and names where it was written.
   */
  checkStringIndexes(count: number): void {
    if (this.#nodeNameMax >= count) {
      this.#fail(`node ${this.#nodeNameMaxItem}: "name" is ${this.#nodeNameMax}, but there are only ${count} strings`, this.#nodeNameMaxOffset);
    }
    if (this.#isEdgeTypeFirst) {
      if (this.#edgeNameMax >= count) {
        this.#fail(`edge ${this.#edgeNameMaxItem}: "name_or_index" is ${this.#edgeNameMax}, but there are only ${count} strings`, this.#edgeNameMaxOffset);
      }
      return;
    }
    // "type" after "name_or_index" (no V8 writes that): the types are known only now.
    const edgeType = this.#edgeType;
    const names = this.#edgeNameOrIndex;
    for (let e = 0; e < names.length; e++) {
      if (this.#isStringEdge[edgeType[e]] === 1 && names[e] >= count) {
        throw new SnapshotFormatError(this.#file, `edge ${e}: "name_or_index" is ${names[e]}, but there are only ${count} strings`);
      }
    }
  }

  columns(): NumberColumns {
    const locationCount = this.#locationCount;
    return {
      nodeType: this.#nodeType,
      nodeName: this.#nodeName,
      nodeId: this.#nodeId,
      selfSize: this.#selfSize,
      nodeEdgeCount: this.#nodeEdgeCount,
      attachedNodes: this.#attached.toArray(),
      detachedNodes: this.#detached.toArray(),
      traceNodeId: this.#traceNodeId,
      edgeType: this.#edgeType,
      edgeNameOrIndex: this.#edgeNameOrIndex,
      edgeTarget: this.#edgeTarget,
      locObject: this.#locObject.subarray(0, locationCount),
      locScriptId: this.#locScriptId.subarray(0, locationCount),
      locLine: this.#locLine.subarray(0, locationCount),
      locColumn: this.#locColumn.subarray(0, locationCount),
      locationCount,
    };
  }
}
