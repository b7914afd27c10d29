/**
 * What differs from the run directory's previous invocation, checked when a
 * run resumes. A run that silently continued under another config, framework
 * version or kernel set is one of the causes repronet exists to rule out:
 * `train` refuses a changed config (unless --force-config) and notes a changed
 * environment. Only differences that can affect training count (the same
 * rules as `repronet diff`): threads, log settings and the like stay quiet.
 * The CLI hands this to the trainer, which does not depend on diag/.
 */
import type { CompareManifests, ManifestChanges } from "../rundir/index.js";
import { diffConfigs } from "./diff/config-diff.js";
import { diffEnvironments } from "./diff/environment.js";
import { isPlain, type Json } from "./diff/inputs.js";
import { configCauses, envCauses } from "./diff/verdict.js";

export const resumeChanges: CompareManifests = (previous, now): ManifestChanges => {
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
  return { config: config ? configCauses(config) : [], environment: envCauses(env) };
};
