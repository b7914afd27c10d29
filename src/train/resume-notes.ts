/**
 * What differs from the run directory's previous invocation, said when a run
 * resumes. A run that silently continued under another config, framework
 * version or kernel set is one of the causes repronet exists to rule out; the
 * manifest's history records it, and this note says it when it happens. Only
 * differences that can affect training are named (the same rules as
 * `repronet diff`): threads, log settings and the like stay quiet.
 */
import { diffConfigs } from "../diag/diff/config-diff.js";
import { diffEnvironments } from "../diag/diff/environment.js";
import { isPlain, type Json } from "../diag/diff/inputs.js";
import { causesText } from "../diag/diff/verdict.js";
import type { Manifest } from "../diag/manifest.js";

/** One `note: ...` line, or null when nothing that can affect training changed. */
export function resumeNote(previous: Manifest | null, now: Manifest): string | null {
  if (!previous) return null;
  const [a, b] = [previous as unknown as Json, now as unknown as Json];
  const resolvedA = previous.config?.resolved;
  const config =
    isPlain(resolvedA) && isPlain(now.config.resolved) && previous.config.sha256 !== now.config.sha256
      ? diffConfigs(resolvedA, now.config.resolved, "previous config", "config")
      : null;
  // More epochs is how a finished run is continued; the epochs trained so far do not depend on it.
  if (config) config.keys = config.keys.filter((k) => k.path !== "num_epochs");
  // The previous invocations' history is not a change made now.
  const env = { ...diffEnvironments(a, b), history: [] };
  const causes = causesText(config, env);
  if (causes.length === 0) return null;
  return (
    `note: resuming with changes since the last invocation that can affect training: ${causes.join(", ")} ` +
    "(steps from here on may differ from a run that never stopped)"
  );
}
