/**
 * The agent the full-screen picker chose, kept in the config file so the next call goes
 * straight to it (`omnia-voice config unset agentId` forgets it).
 */
import { type OpenConfigOptions, openConfig } from './store.js';

/** Saves `agentId` as the default agent. Returns the config file's path. Throws ConfigError. */
export function rememberAgent(agentId: string, options: OpenConfigOptions = {}): string {
  const store = openConfig(options);
  store.set('agentId', agentId);
  return store.path;
}
