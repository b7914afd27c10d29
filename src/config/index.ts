export {
  CONFIG_DEFAULTS,
  CONFIG_KEYS,
  type ConfigKeyDoc,
  checkTopLevelKeys,
  configKeysMarkdown,
  KNOWN_CONFIG_KEYS,
} from "./keys.js";
export { type ConfigFormat, type LoadedConfig, loadConfig } from "./load.js";
export { applyOverrides } from "./overrides.js";
export { parsePythonConfig } from "./pyparse.js";
