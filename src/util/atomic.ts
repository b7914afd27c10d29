import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Writes a file so that readers see either the old content or the complete new
 * one, never a prefix: write to a temporary file in the same directory, fsync,
 * then rename over the target (atomic on POSIX file systems). A failure
 * (ENOSPC, EROFS, a missing folder, ...) names the target, not the temporary file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    writeThenRename(path, data);
  } catch (e) {
    if (e instanceof Error && "syscall" in e) (e as NodeJS.ErrnoException).path = path;
    throw e;
  }
}

function writeThenRename(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, "w");
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    // One writeSync takes at most 2 GiB - 1 bytes: large checkpoints go in 1 GiB pieces.
    while (off < bytes.length) off += writeSync(fd, bytes, off, Math.min(bytes.length - off, 1 << 30));
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  killPoint(basename(path));
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(path));
}

/** Makes a rename durable: fsync the directory entry (best effort where unsupported). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  }
}

/**
 * Test hook: `REPRONET_TEST_KILL_IN_WRITE=<file name>[:<n>]` SIGKILLs the
 * process at the n-th write of that file, after its temporary file is
 * complete and before the rename (what a crash at the worst moment leaves).
 */
const writes = new Map<string, number>();
function killPoint(name: string): void {
  const spec = process.env.REPRONET_TEST_KILL_IN_WRITE;
  if (!spec) return;
  const [at, n = "1"] = spec.split(":");
  if (at !== name) return;
  writes.set(name, (writes.get(name) ?? 0) + 1);
  if (writes.get(name) === Number(n)) process.kill(process.pid, "SIGKILL");
}
