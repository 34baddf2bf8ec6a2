/** The full-screen Ink UI. The integrator wires a real store; everything else stays inside. */
export { App, type AppProps } from './App.js';
export { type CommandName, helpRows, KEYMAP, type KeyBinding, type UiMode } from './keymap.js';
export { type RunTuiOptions, runSessionTui, runTui, type TuiHandle } from './runTui.js';
export { sanitizeLine, sanitizeText } from './sanitize.js';
