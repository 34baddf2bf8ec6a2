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
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// A path, not a URL's pathname: that is percent-encoded (`/tmp/my%20app/`), and esbuild found no
// cli.tsx in a checkout whose path has a space.
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * A patch of yoga-layout 3.2.1's loader (Ink's layout engine), applied as it is bundled. The
 * loader is Emscripten's, with the WebAssembly inlined as a `data:` URL. It already declines to
 * *stream* a data URL, but wherever a global `fetch` exists it still *fetches* one: in Node that
 * loads Node's bundled undici and runs a fetch, about 45 ms of one core (a fifth of loading
 * the full-screen UI) for bytes it can decode itself. The patch adds the same data-URL test to
 * the fetching branch, so the loader decodes the inlined bytes (its own `wa()`); nothing else
 * changes. Should the loader differ (another yoga-layout), the build says so and leaves it as
 * it is: the UI then loads as before, only slower (docs/performance.md).
 */
const YOGA_LOADER = /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/;
const YOGA_FETCHES = 'function ya(){return w||"function"!=typeof fetch?';
const YOGA_DECODES = 'function ya(){return w||ua(H)||"function"!=typeof fetch?';
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(plugin) {
    plugin.onLoad({ filter: YOGA_LOADER }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      if (
        source.split(YOGA_FETCHES).length !== 2 ||
        !source.includes('function ua(a){return a.startsWith("data:') ||
        // The streaming branch's own test: `H` is the URL `ua` is asked about.
        !source.includes('||ua(H)||"function"!=typeof fetch?c(b)')
      ) {
        return {
          contents: source,
          loader: 'js',
          warnings: [
            {
              text: "yoga-layout's loader is not the one scripts/build.mjs patches: it will fetch its WebAssembly through undici (about 45 ms more to load the full-screen UI)",
            },
          ],
        };
      }
      return { contents: source.replace(YOGA_FETCHES, YOGA_DECODES), loader: 'js' };
    });
  },
};
// `npm install` runs the build as the project's prepare script. scripts/setup.sh builds as a step
// of its own after the install, so that it can say which of the two failed: it sets
// OMNIA_SETUP_BUILDS=1, and the install's prepare then leaves the build to it.
if (process.argv.includes('--prepare') && process.env.OMNIA_SETUP_BUILDS === '1') process.exit(0);

// Built beside dist/ and put in its place only when whole: a build that fails (a set-up run again
// over a broken edit) leaves the last build that worked, so `npm start` still starts.
const next = `${root}dist.next`;
rmSync(next, { recursive: true, force: true });
try {
  await build({
    absWorkingDir: root,
    entryPoints: { cli: 'cli.tsx' },
    outdir: 'dist.next',
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
    plugins: [yogaWithoutFetch],
    legalComments: 'none',
    logLevel: 'warning',
  });
} catch (error) {
  // esbuild has printed its errors (logLevel above): one line more, not a stack trace.
  const count = Array.isArray(error?.errors) ? error.errors.length : 0;
  const what =
    count > 0
      ? `${count} error${count === 1 ? '' : 's'}, shown above`
      : String(error?.message ?? error);
  rmSync(next, { recursive: true, force: true });
  process.stderr.write(`build: failed (${what}); dist/ was left as it was\n`);
  process.exit(1);
}
rmSync(`${root}dist`, { recursive: true, force: true });
renameSync(next, `${root}dist`);
