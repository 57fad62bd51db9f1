// Precise mode (Linux, root): exact per-process bytes from kernel tracepoints. program.ts is what the
// kernel runs, reader.ts how its output becomes rows, source.ts the bpftrace child's life.
export { createPreciseSource } from './source';
export type { PreciseExit, PreciseSource, PreciseSourceOptions } from './source';
export type { PreciseCounters, PreciseRow } from './reader';
export { probePrecise } from './probe';
export type { PreciseProbeOptions, PreciseProbeResult } from './probe';
export type { IdentitySource } from './identity';
