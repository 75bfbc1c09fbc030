// The names V8 (and Node) write into a heap snapshot that leakscope recognises by text: root
// categories, internal object names, edge names. One home, so a V8 version that renames one is
// fixed in one place (docs/FORMAT.md §2.3 roots, §7 weak references and finalization).

/** The synthetic node the GC root categories hang off. */
export const GC_ROOTS_NAME = '(GC roots)';
export const STRONG_ROOTS_NAME = '(Strong roots)';
/** A synthetic child of the root that DevTools counts as a user root, like a global object (browsers). */
export const DOCUMENT_DOM_TREES_NAME = '(Document DOM trees)';
/** GC root categories that hold objects only during the call that wrote the snapshot (docs/FORMAT.md §2.3). */
export const TRANSIENT_ROOT_NAMES: readonly string[] = ['(Stack roots)', '(Handle scope)', '(Relocatable)'];
/**
 * GC root categories that are V8's caches, not the program's references: V8 clears what only they
 * hold. The string table shows every internalized string strongly; a healthy run's lazily compiled
 * functions add their identifiers and literals to it (measured: `leakscope run` of a scenario that
 * does nothing grew `(string)` by 14, all reached first through (Internalized strings)).
 */
export const V8_CACHE_ROOT_NAMES: readonly string[] = [
  '(Internalized strings)', '(External strings)', '(Compilation cache)', '(Builtins)', '(Code flusher)',
  '(Startup object cache)', '(Read-only object cache)', '(Shareable object cache)', '(Read-only roots)',
];

/** The (Strong roots) edge that keeps WeakRef targets alive until the current job ends (docs/FORMAT.md §7.2). */
export const KEEP_DURING_JOB_EDGE = 'weak_refs_keep_during_job';

/** V8's internal objects are named `system / Kind`. */
export const SYSTEM_NAME_PREFIX = 'system / ';
/** A FinalizationRegistry registration (docs/FORMAT.md §7.4). */
export const WEAK_CELL_NAME = 'system / WeakCell';
/** A function scope: closure variables live here. */
export const CONTEXT_NAME = 'system / Context';
/** A realm's context: the globals and builtins every other context ends at. */
export const NATIVE_CONTEXT_NAME = 'system / NativeContext';
/** The characters of an external string, held outside the JS heap. */
export const EXTERNAL_STRING_DATA_NAME = 'system / ExternalStringData';
/** The bytes of an ArrayBuffer, held outside the JS heap. */
export const ARRAY_BUFFER_DATA_NAME = 'system / JSArrayBufferData';

/** closure → SharedFunctionInfo. */
export const SHARED_EDGE = 'shared';
/** SharedFunctionInfo → Script (`script` in V8 ≥ 12, `script_or_debug_info` before). */
export const SCRIPT_EDGE_NAMES: readonly string[] = ['script', 'script_or_debug_info'];
/** Context → the enclosing context. */
export const PREVIOUS_CONTEXT_EDGE = 'previous';
/** Suspended async functions and generators: objects whose register file points back at them. */
export const GENERATOR_CLASS_NAMES: readonly string[] = ['Generator', 'AsyncGenerator'];

/** Node's own modules are `node:…` scripts. */
export const NODE_SCRIPT_PREFIX = 'node:';
