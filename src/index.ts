/** lamina as a library: `startLamina({ port: 0, dataDir })` → `{ url, close() }`. */
export { startLamina, VERSION, type Lamina, type StartOptions } from "./server.js";
export { loadConfig, type Config, type ConfigInput } from "./config.js";
export { DEFAULT_ACCOUNT_ID } from "./identity/context.js";
