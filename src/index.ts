// The library API: what the CLI does, for scripts and tests.
//
//   import { takeSnapshot, measureGrowth, loadSnapshot } from 'leakscope';
//
// Capture: takeSnapshot (this process), takeRemoteSnapshot (another Node process by pid),
// runScenario (a scenario module in a child process). Analysis: measureGrowth (does this function
// leak?), loadSnapshot + computeGrowth / computeHistogram (read and compare snapshot files).
// Everything throws LeakscopeError (with an exitCode) for problems a user can fix.

export { takeSnapshot, collectGarbage } from './capture/inspector.ts';
export type { TakeSnapshotOptions, SnapshotFileResult } from './capture/inspector.ts';
export { takeRemoteSnapshot } from './capture/remote.ts';
export type { RemoteSnapshotOptions, RemoteSnapshotResult } from './capture/remote.ts';
export { recordRemoteSamplingProfile } from './capture/remote.ts';
export type { RemoteSamplingProfileOptions, RemoteSamplingProfileResult } from './capture/remote.ts';
export { recordSamplingProfile, recordOwnSamplingProfile } from './capture/sampling-profile.ts';
export type { SamplingProfileOptions, SamplingProfileResult } from './capture/sampling-profile.ts';
export { runScenario } from './capture/scenario.ts';
export type { RunScenarioOptions, ScenarioRunResult } from './capture/scenario.ts';
export { measureGrowth } from './leak-test/measure.ts';
export type { MeasureGrowthOptions, MeasureGrowthResult } from './leak-test/measure.ts';

export { loadSnapshot, parseSnapshotText } from './snapshot/load.ts';
export type { LoadOptions } from './snapshot/load.ts';
export type { HeapGraph } from './snapshot/heap-graph.ts';
export { computeHistogram } from './analysis/histogram.ts';
export type { HistogramResult, ClassStats } from './analysis/histogram.ts';
export { computeGrowth } from './analysis/growth.ts';
export type { GrowthResult, ClassGrowth, GrowthOptions } from './analysis/growth.ts';
export { computeGrowthOfFiles } from './workers/growth-files.ts';
export type { GrowthFilesOptions, GrowthOfFiles } from './workers/growth-files.ts';
export { evaluateGate, defaultGateSettings, normalizeGateSettings, checkGateNames, DEFAULT_MIN_DELTA, V8_INTERNAL_CLASSES } from './analysis/growth-gate.ts';
export type { GateResult, GateSettings, GateSettingsInput, UnknownGateName, Violation } from './analysis/growth-gate.ts';
export { computeHolders, countHolders, HOLDER_KINDS } from './analysis/holders.ts';
export type { HolderKind, HolderCounts, HoldersResult } from './analysis/holders.ts';
export { renderGrowthText } from './report/growth-report.ts';
export { findInstances, resolveClassName } from './analysis/class-lookup.ts';

export { LeakscopeError, SnapshotFormatError, EXIT_OK, EXIT_FINDING, EXIT_USAGE } from './errors.ts';

// Why is it alive: distances, dominators and retained sizes, chains, cycles.
export { computeClassSummary } from './analysis/histogram.ts';
export type { ClassSummary } from './analysis/histogram.ts';
export { computeDistances, isUserDistance, NO_DISTANCE, BASE_SYSTEM_DISTANCE } from './analysis/distances.ts';
export { computeRetainedSizes, computeImmediateDominators } from './analysis/dominators.ts';
export { findRetainerChain } from './analysis/paths.ts';
export { groupChainsByShape } from './analysis/chain-groups.ts';
export { findUnfinalizableRegistrations } from './analysis/finalization.ts';
export { findUserCycles } from './analysis/cycles.ts';
export { findLeakSuspects, type SuspectsResult, type LeakSuspect } from './analysis/suspects.ts';
export { censusCollections, findAccumulationPoints, type AccumulationResult, type AccumulationPoint, type CollectionCensus } from './analysis/accumulation.ts';
export { findNativeHeld, type NativeHeldResult } from './analysis/native-held.ts';
export { computePackageSizes, type PackagesResult } from './analysis/packages.ts';
export { createPackageResolver } from './sources/packages.ts';
// Original locations: register a source-map mapper on a graph, and every location it prints is mapped.
export { useLocationMapper, type LocationMapper, type OriginalLocation } from './analysis/original-locations.ts';
export { createSourceMapMapper } from './sources/source-maps.ts';
export { computeClassIndex } from './snapshot/class-names.ts';

// Where memory was allocated: sampling heap profiles (.heapprofile) and allocation stacks of
// snapshots taken with allocation tracking (--track-heap-objects).
export { readHeapProfile, parseHeapProfile } from './snapshot/heap-profile.ts';
export type { HeapProfile, CallFrame } from './snapshot/heap-profile.ts';
export { summarizeHeapProfile, computeProfileGrowth, stackFrames } from './analysis/heap-profile.ts';
export type { HeapProfileSummaryResult, AllocationSiteStats, ProfileGrowthResult, SiteGrowth } from './analysis/heap-profile.ts';
export { readAllocationTraces } from './snapshot/allocation-traces.ts';
export { allocationSiteOf, groupByAllocationSite } from './analysis/allocation-sites.ts';
export type { AllocationFrame, AllocationSiteGroup, AllocationSiteGroupsResult } from './analysis/allocation-sites.ts';
