export { JOIN_TIMEOUT_MS, startLocalAgent } from './server.js';
export type { LocalAgent, LocalAgentOptions, LocalCallRecord, LocalVoice } from './types.js';
