/**
 * The run directory: its layout, the one-writer lock, the manifest,
 * checkpoints with checksums, the learning-rate file, train.jsonl, temp-file
 * cleanup and integrity checks. `train` writes a run directory only through
 * this module; `diff`, `compare`, `fingerprint`, `search`, `average` and
 * `sweep` read it only through it. It depends on no command and on nothing in
 * diag/, so data flows one way: train → run dir ← diagnostics, search.
 */
export * from "./checkpoint.js";
export { CHECKSUM_KEY, encodeWithChecksum, verifyChecksum } from "./checksum.js";
export * from "./fingerprint.js";
export * from "./layout.js";
export * from "./learning-rates.js";
export { acquireLock, isStale, type LockInfo, type RunLock, readLock } from "./lock.js";
export * from "./manifest.js";
export { type RunState, type RunStatus, readRunStatus } from "./status.js";
export * from "./train-jsonl.js";
