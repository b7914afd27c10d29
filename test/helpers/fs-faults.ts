/**
 * Fault injection for the file-system calls of modules that import them from
 * "node:fs": a fake replaces the function on the fs module, and
 * syncBuiltinESMExports makes every ESM import of it see the fake.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

type FsName = "renameSync" | "fsyncSync" | "writeSync" | "openSync" | "linkSync";

/** Runs `f` with `fs[name]` replaced by `fake` (which gets the real function), then restores it. */
export function withFsFake<T>(
  name: FsName,
  fake: (real: (...a: never[]) => unknown, ...args: never[]) => unknown,
  f: () => T,
): T {
  const real = fs[name] as (...a: never[]) => unknown;
  (fs as unknown as Record<string, unknown>)[name] = (...args: never[]) => fake(real, ...args);
  syncBuiltinESMExports();
  try {
    return f();
  } finally {
    (fs as unknown as Record<string, unknown>)[name] = real;
    syncBuiltinESMExports();
  }
}

/** Runs `f` while every rename fails with EIO, as if the process died between writing and renaming. */
export function withFailingRename<T>(f: () => T): T {
  return withFsFake(
    "renameSync",
    () => {
      throw Object.assign(new Error("EIO: injected fault, rename"), { code: "EIO", syscall: "rename" });
    },
    f,
  );
}

/** The fs calls `f` makes, in order, by name (for the functions given). */
export function fsCallOrder(names: FsName[], f: () => void): string[] {
  const calls: string[] = [];
  const wrap = (i: number): void => {
    if (i === names.length) {
      f();
      return;
    }
    withFsFake(
      names[i],
      (real, ...args) => {
        calls.push(names[i]);
        return real(...args);
      },
      () => wrap(i + 1),
    );
  };
  wrap(0);
  return calls;
}
