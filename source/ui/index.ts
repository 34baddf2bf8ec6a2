/** The full-screen Ink UI. The integrator wires a real store; everything else stays inside. */
export { App, type AppProps, DEFAULT_FRAME_MS } from './App.js';
export { type CommandName, helpRows, KEYMAP, type KeyBinding, type UiMode } from './keymap.js';
export { type RunTuiOptions, runTui } from './runTui.js';
export { sanitizeLine, sanitizeText } from './sanitize.js';
export { ENTER_FULL_SCREEN, LEAVE_FULL_SCREEN } from './terminal.js';
