/**
 * One writer per run directory: `D/.lock` holds the writer's pid, host and
 * start time. It is created atomically (written in full under a temporary
 * name, then hard-linked to `.lock`, which fails when one exists), so a
 * reader never sees a half-written lock. `train` holds it for its whole life
 * and removes it on every exit path it controls; after a SIGKILL or a crash
 * the lock stays, and the next `train` on the same host sees that its pid is
 * gone and takes it over with a note. Takeovers are serialised by a second
 * lock, `D/.lock.takeover`: only its holder may remove a stale `.lock`, and
 * only while it is still the stale one it saw, so two processes that find the
 * same stale lock cannot both end up writers. A lock from another host is
 * never taken over (its process cannot be checked from here).
 */
import { existsSync, linkSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ReproError } from "../util/errors.js";
import { ensureDir, fsErrorLine, isFsError, lockPath } from "./layout.js";

export interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
}

export interface RunLock {
  readonly path: string;
  readonly info: LockInfo;
  /** A note when a stale lock was taken over, else null. */
  readonly note: string | null;
  /** Removes the lock (idempotent). */
  release(): void;
}

/** The lock of `dir`: its holder, `null` when unlocked, `"unreadable"` when the file is not a lock. */
export function readLock(dir: string): LockInfo | null | "unreadable" {
  return readLockFile(lockPath(dir));
}

function readLockFile(path: string): LockInfo | null | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    return "unreadable";
  }
  try {
    const v = JSON.parse(text) as LockInfo;
    const ok = Number.isSafeInteger(v.pid) && typeof v.host === "string" && typeof v.started_at === "string";
    return ok ? v : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** Whether the lock's holder is certainly gone: a pid on this host that no longer exists. */
export function isStale(info: LockInfo): boolean {
  if (info.host !== hostname()) return false;
  if (info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

const held = new Set<string>();
// A process that exits through process.exit (a second Ctrl-C) still drops its locks.
process.on("exit", () => {
  for (const path of held) rmSync(path, { force: true });
});

/** Takes the lock of `dir` (creating `dir`), or throws `D is being trained by pid N since T`. */
export function acquireLock(dir: string, now: Date = new Date()): RunLock {
  const created = !existsSync(dir);
  ensureDir(dir, "run directory");
  const path = lockPath(dir);
  const info: LockInfo = { pid: process.pid, host: hostname(), started_at: now.toISOString() };
  const tmp = join(dir, `.lock.tmp-${process.pid}`);
  let note: string | null = null;
  try {
    writeFileSync(tmp, `${JSON.stringify(info)}\n`);
    let acquired = false;
    for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS && !acquired; attempt++) {
      try {
        linkSync(tmp, path);
        acquired = true;
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const holder = readLock(dir);
      if (holder === null) continue; // released meanwhile
      if (holder === "unreadable")
        throw new ReproError(`${path}: not a lock file repronet wrote; remove it if no train runs on ${dir}`);
      if (!isStale(holder)) throw busy(dir, holder);
      if (removeStaleLock(dir, tmp, holder))
        note = `note: ${dir}: took over the lock of pid ${holder.pid} (started ${holder.started_at}), which no longer runs`;
      else sleepMs(2); // another process is taking it over: see who wins
    }
    if (!acquired) {
      const holder = readLock(dir) ?? "unreadable";
      if (holder !== "unreadable" && isStale(holder))
        throw new ReproError(
          `${dir}: another process is taking over the lock of pid ${holder.pid}, which no longer runs; if none is, remove ${join(dir, ".lock.takeover")}`,
        );
      throw busy(dir, holder);
    }
  } catch (e) {
    if (isFsError(e)) throw new ReproError(fsErrorLine(e, path));
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  held.add(path);
  return {
    path,
    info,
    note,
    release() {
      if (!held.delete(path)) return;
      // Only our own lock: never remove one another process took over meanwhile.
      const now = readLock(dir);
      if (now !== null && now !== "unreadable" && now.pid === info.pid && now.host === info.host)
        rmSync(path, { force: true });
      // A run that failed before writing anything (a config error) leaves no empty directory behind.
      if (created && readdirSync(dir).length === 0) rmdirSync(dir);
    },
  };
}

const TAKEOVER_ATTEMPTS = 100;

/**
 * Removes `stale` from `dir/.lock` under the takeover lock, only if it is
 * still there; false when another process holds the takeover lock (one left
 * by a dead process is cleared for the next attempt) or the lock changed.
 */
function removeStaleLock(dir: string, tmp: string, stale: LockInfo): boolean {
  const guard = join(dir, ".lock.takeover");
  try {
    linkSync(tmp, guard);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const other = readLockFile(guard);
    if (other !== null && other !== "unreadable" && isStale(other)) rmSync(guard, { force: true });
    return false;
  }
  try {
    const now = readLock(dir);
    const same =
      now !== null &&
      now !== "unreadable" &&
      now.pid === stale.pid &&
      now.host === stale.host &&
      now.started_at === stale.started_at;
    if (same) rmSync(lockPath(dir), { force: true });
    return same;
  } finally {
    rmSync(guard, { force: true });
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function busy(dir: string, holder: LockInfo | "unreadable"): ReproError {
  if (holder === "unreadable") return new ReproError(`${dir} is being trained by another process`);
  const host = holder.host === hostname() ? "" : ` on ${holder.host}`;
  return new ReproError(`${dir} is being trained by pid ${holder.pid}${host} since ${holder.started_at}`);
}
