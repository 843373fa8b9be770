/** ptesim's public API: tools/ and end-to-end tests import only from here. */
export * from './errors.js';
export * from './events/index.js';
export { EVENT_FIELDS, EVENT_TYPES, validateEvent } from './events/schema.js';
export type * from './state/types.js';
export * from './state/pte.js';
export { initialState, initialMutableState } from './sim/init.js';
export { stateHash } from './state/hash.js';
export { layoutOf, type Layout } from './state/layout.js';
export { evolve, evolveAll, applyEvent } from './evolve/index.js';
export type { ArchModel } from './arch/types.js';
export { getArch, listArchs } from './arch/registry.js';
export type { HelperVariant } from './kernel/variants/types.js';
export { getVariant, listVariants } from './kernel/variants/registry.js';
export {
  LAYOUT_HISTORY,
  MODEL_LAYOUT_VERSION,
  modelLayoutSignature,
  layoutBreaks,
} from './kernel/modelLayout.js';
export { defineMachine, type MachineLayout } from './kernel/machine.js';
export { makeModel, type Model } from './sim/model.js';
export { decide, stepOptions, enabledThreads, allDone } from './sim/decide.js';
export { runModel, type RunOptions, type RunResult } from './sim/run.js';
export { formatSchedule, parseSchedule, type Pick } from './sim/schedule.js';
export { Prng } from './sim/prng.js';
export type * from './check/types.js';
export { listProperties, getProperty } from './check/registry.js';
export type * from './scenario/types.js';
export {
  MAX_SCENARIO_BYTES,
  MAX_SCENARIO_VALUES,
  parseScenario,
  parseScenarioText,
} from './scenario/parse.js';
export { scenarioJsonSchema } from './scenario/schema.js';
export { PROTOCOLS, getProtocol, type Protocol } from './scenario/protocols.js';
export type { CallerOp } from './scenario/program.js';
export {
  expectedVerdict,
  parseVerdict,
  verdictText,
  type Expected,
  type ExpectSpec,
} from './scenario/expect.js';
export * from './log/format.js';
export { parseLog, readAll, type ParsedLog } from './log/reader.js';
export {
  LogReader,
  type ChunkInfo,
  type CheckpointInfo,
  type Truncation,
  type OpenOptions,
} from './log/logReader.js';
export { memorySource, type ByteSource } from './log/source.js';
export { verifyLog, type VerifyReport } from './log/verify.js';
export { writeJsonl, readJsonl } from './log/jsonl.js';
export { rewriteLog } from './log/rewrite.js';
export {
  LogWriter,
  MemorySink,
  type ByteSink,
  type LogWriterOptions,
  type LogIndex,
} from './log/writer.js';
export {
  checkOutputPath,
  FileSink,
  readLogFile,
  openLogFile,
  fileSource,
  prepareOutputDir,
  writeFileAtomic,
} from './log/file.js';
export { recordRun } from './log/record.js';
export {
  foldEvents,
  replayLog,
  replayStream,
  firstStateWhere,
  resimulate,
  picksOf,
  type StreamReplayResult,
  type FirstStateResult,
} from './analysis/replay.js';
export {
  auditEvents,
  auditLog,
  formatAudit,
  formatEvent,
  selectProperties,
  type AuditFinding,
  type AuditOptions,
  type AuditReport,
} from './analysis/audit.js';
export {
  bisectProperty,
  bisectStates,
  memoryStates,
  scanStates,
  type BisectResult,
  type BisectVerdict,
  type MemoryStates,
  type StateQuestion,
  type StateSource,
} from './analysis/bisect.js';
export { TOOL_VERSION } from './version.js';
export {
  diffEvents,
  diffLogs,
  diffModels,
  formatDiffEvent,
  type DiffResult,
  type DiffSide,
  type Divergence,
  type EventOrigin,
  type VerdictDifference,
  type SideSummary,
  type DiffOptions,
  type ModelDiffOptions,
  type TextHunk,
  type TextLine,
  type DiffHunk,
  type DiffLine,
  type StateChange,
  type ScheduleMismatch,
  type AdaptedSchedule,
} from './analysis/diff.js';
export { adaptSchedule, leadScheduleOf, type LeadSchedule } from './analysis/diffSchedule.js';
export { judgesDirtyBits } from './check/dirtyBitLost.js';
export { explore, defaultProperties } from './explore/explore.js';
export type * from './explore/types.js';
export { readVerdict } from './explore/types.js';
export {
  minimise,
  replayPicks,
  preemptions,
  type Minimised,
  type MinimiseOptions,
  type ReplayOutcome,
} from './explore/minimise.js';
export { STATE_PURE_PROPERTIES } from './explore/explore.js';
export { Checks, type FoundViolation } from './check/checks.js';
export {
  STATE_SCHEMA,
  type Part,
  type Shape,
  type Field,
  type Index,
  type IdKind,
} from './state/schema.js';
export {
  stateItems,
  undescribedRoots,
  elementName,
  type StateItem,
  type ViewNames,
} from './state/view.js';
export { takeStep, endRun, enabledSteps, type EventSink } from './sim/step.js';
export { conformOps, opText, MARK, type ConformOp } from './conform/ops.js';
export {
  parseTraceText,
  parseTraceHeader,
  faultOf,
  flushOf,
  TLB_FLUSH_REASONS,
  type TraceRecord,
  type TraceHeader,
} from './conform/trace.js';
export { kernelSide, type KernelSide, type OpSide, type ObservedFault } from './conform/observe.js';
export { modelSide, type ModelSide } from './conform/model.js';
export { compareSides, agreeOp, sideText, type ConformRow } from './conform/compare.js';
export {
  observedEvents,
  observedScenarioText,
  recordObserved,
  NOT_APPLICABLE,
  MAX_LINE,
} from './conform/import.js';
export { ProtTransactions, type ProtTransaction } from './check/track.js';
