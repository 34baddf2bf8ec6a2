// The build: cli.tsx and source/ bundled by esbuild into dist/cli.js and dist/chunks/.
//
// Why a bundle: start-up. Loading the app as ~200 separate modules spent most of a call's
// start in Node's module loader (resolving, reading package.json files, one compile each);
// as a bundle the call connects about 130 ms sooner and the full-screen UI about 400 ms sooner
// (docs/performance.md). Code splitting keeps what a run does not need unloaded: the UI, the
// local agent, the commands and the store stay in chunks of their own, loaded by the dynamic
// imports in the source. Types are checked by `npm run typecheck` (tsc), not here.
//
// Left out of the bundle: the native and FFI modules (speaker, @serialport/bindings-cpp, koffi),
// which load their binaries from their own package, and react-devtools-core, which Ink imports
// only when DEV=true. Bundled CommonJS packages call require(): each chunk gets one from
// createRequire.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'cli.tsx' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // esbuild (0.28, for every Node target) rewrites each regular-expression literal that uses
  // Unicode property escapes (`\p{...}`) or the `v` flag as `new RegExp(...)`, built again at
  // each evaluation: Ink's output tested every character it had not seen yet in a frame against
  // such a RegExp, new each time. Node 22 (V8 12.4) has both features, so they are declared
  // supported; the bundle is then what `target: 'esnext'` gives (docs/performance.md).
  supported: {
    'regexp-unicode-property-escapes': true,
    'regexp-set-notation': true,
  },
  jsx: 'automatic',
  external: ['speaker', 'koffi', '@serialport/bindings-cpp', 'react-devtools-core'],
  banner: {
    js: "import { createRequire as __omniaCreateRequire } from 'node:module'; const require = __omniaCreateRequire(import.meta.url);",
  },
  // React's production build, always: its development build doubles the cost of every frame.
  // Decided here rather than at run time, the development build is not in the bundle at all
  // (the UI chunk 1.8 MB -> 1.0 MB, docs/performance.md).
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  logLevel: 'warning',
});
