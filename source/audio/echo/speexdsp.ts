/**
 * libspeexdsp through koffi (an FFI with prebuilt binaries, so nothing is compiled at install):
 * the echo canceller (MDF), the preprocessor (its residual echo suppressor) and the resampler.
 * Loaded once, on first use; when koffi or the library is missing, `loadSpeexDsp` says why in
 * one line and the app falls back to the energy echo guard.
 */
import { createRequire } from 'node:module';

/** Opaque native handles (koffi represents them as objects we only pass back). */
export type NativeHandle = object;

/** The few speexdsp entry points the canceller uses, with JS-friendly signatures. */
export interface SpeexDsp {
  /** Which library file was loaded (for the events). */
  readonly libraryPath: string;
  echoInit(frameSize: number, filterLength: number, sampleRate: number): NativeHandle;
  /** `rec` (mic), `play` (what the speaker played), `out`: frameSize samples each. */
  echoCancel(st: NativeHandle, rec: Int16Array, play: Int16Array, out: Int16Array): void;
  echoReset(st: NativeHandle): void;
  echoDestroy(st: NativeHandle): void;
  /** A preprocessor with residual echo suppression tied to `echo`; no AGC, no VAD. */
  preprocessInit(
    frameSize: number,
    sampleRate: number,
    echo: NativeHandle,
    options: PreprocessOptions,
  ): NativeHandle;
  preprocessRun(st: NativeHandle, frame: Int16Array): void;
  preprocessDestroy(st: NativeHandle): void;
  resamplerInit(inRate: number, outRate: number, quality: number): NativeHandle;
  /** Resamples `input`; returns how many samples of `out` were written (all input is used). */
  resample(st: NativeHandle, input: Int16Array, out: Int16Array): number;
  resamplerReset(st: NativeHandle): void;
  resamplerDestroy(st: NativeHandle): void;
}

/** Preprocessor settings, in dB (negative: attenuation). */
export interface PreprocessOptions {
  /** Most the residual echo is attenuated while the user is quiet. */
  readonly echoSuppressDb: number;
  /** Most it is attenuated while the user talks (double-talk): less, to keep the user's voice. */
  readonly echoSuppressActiveDb: number;
  /**
   * Most the stationary noise is attenuated. speexdsp applies its residual echo suppression
   * through the denoiser's gains, so the denoiser must be on for the suppressor to act.
   */
  readonly noiseSuppressDb: number;
}

// Request numbers from speex_echo.h and speex_preprocess.h.
const SPEEX_ECHO_SET_SAMPLING_RATE = 24;
const SPEEX_PREPROCESS_SET_DENOISE = 0;
const SPEEX_PREPROCESS_SET_AGC = 2;
const SPEEX_PREPROCESS_SET_DEREVERB = 8;
const SPEEX_PREPROCESS_SET_NOISE_SUPPRESS = 18;
const SPEEX_PREPROCESS_SET_ECHO_SUPPRESS = 20;
const SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE = 22;
const SPEEX_PREPROCESS_SET_ECHO_STATE = 24;

/** Where the library may be, most likely first (Debian/Ubuntu ship only the .so.1 at run time). */
function candidatePaths(): string[] {
  if (process.platform === 'darwin') {
    return [
      'libspeexdsp.dylib',
      '/opt/homebrew/lib/libspeexdsp.dylib',
      '/usr/local/lib/libspeexdsp.dylib',
    ];
  }
  if (process.platform === 'win32') return ['libspeexdsp.dll', 'speexdsp.dll'];
  return ['libspeexdsp.so.1', 'libspeexdsp.so'];
}

export const SPEEXDSP_INSTALL_HINT =
  process.platform === 'darwin'
    ? 'brew install speexdsp'
    : 'apt install libspeexdsp1 (Debian/Ubuntu), dnf install speexdsp (Fedora)';

let loaded: SpeexDsp | string | undefined;

/**
 * The binding, or one line saying why it is unavailable. Cached: koffi registers type names
 * globally, and the library stays loaded for the life of the process anyway.
 * `OMNIA_VOICE_DISABLE_SPEEXDSP=1` makes it unavailable (tests of the fallback).
 */
export function loadSpeexDsp(): SpeexDsp | string {
  if (process.env.OMNIA_VOICE_DISABLE_SPEEXDSP === '1') {
    return 'speexdsp disabled by OMNIA_VOICE_DISABLE_SPEEXDSP';
  }
  loaded ??= bind();
  return loaded;
}

type Koffi = typeof import('koffi').default;

function bind(): SpeexDsp | string {
  let koffi: Koffi;
  try {
    // Synchronous on purpose: the call path loads this while the call is being created.
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    return `the koffi module does not load (${firstLine(error)}); reinstall with npm install`;
  }
  let lib: ReturnType<Koffi['load']> | undefined;
  let path = '';
  const errors: string[] = [];
  for (const candidate of candidatePaths()) {
    try {
      lib = koffi.load(candidate);
      path = candidate;
      break;
    } catch (error) {
      errors.push(firstLine(error));
    }
  }
  if (!lib)
    return `libspeexdsp not found (${errors[0] ?? 'no candidate'}): ${SPEEXDSP_INSTALL_HINT}`;
  try {
    return declare(koffi, lib, path);
  } catch (error) {
    return `libspeexdsp at ${path} is not usable: ${firstLine(error)}`;
  }
}

function declare(koffi: Koffi, lib: ReturnType<Koffi['load']>, libraryPath: string): SpeexDsp {
  const Echo = koffi.pointer('OmniaSpeexEchoState', koffi.opaque());
  const Pre = koffi.pointer('OmniaSpeexPreprocessState', koffi.opaque());
  const Res = koffi.pointer('OmniaSpeexResamplerState', koffi.opaque());
  const I16 = koffi.pointer('int16_t');
  const I32 = koffi.pointer('int32_t');
  const U32 = koffi.pointer('uint32_t');

  const echoStateInit = lib.func('speex_echo_state_init', Echo, ['int', 'int']);
  const echoCtl = lib.func('speex_echo_ctl', 'int', [Echo, 'int', koffi.inout(I32)]);
  const echoCancellation = lib.func('speex_echo_cancellation', 'void', [
    Echo,
    I16,
    I16,
    koffi.out(I16),
  ]);
  const echoStateReset = lib.func('speex_echo_state_reset', 'void', [Echo]);
  const echoStateDestroy = lib.func('speex_echo_state_destroy', 'void', [Echo]);
  const preInit = lib.func('speex_preprocess_state_init', Pre, ['int', 'int']);
  const preCtlInt = lib.func('speex_preprocess_ctl', 'int', [Pre, 'int', koffi.inout(I32)]);
  const preCtlEcho = lib.func('speex_preprocess_ctl', 'int', [Pre, 'int', Echo]);
  const preRun = lib.func('speex_preprocess_run', 'int', [Pre, koffi.inout(I16)]);
  const preDestroy = lib.func('speex_preprocess_state_destroy', 'void', [Pre]);
  const resInit = lib.func('speex_resampler_init', Res, [
    'uint32_t',
    'uint32_t',
    'uint32_t',
    'int',
    koffi.out(I32),
  ]);
  const resProcess = lib.func('speex_resampler_process_int', 'int', [
    Res,
    'uint32_t',
    I16,
    koffi.inout(U32),
    koffi.out(I16),
    koffi.inout(U32),
  ]);
  const resReset = lib.func('speex_resampler_reset_mem', 'int', [Res]);
  const resDestroy = lib.func('speex_resampler_destroy', 'void', [Res]);

  const int1 = new Int32Array(1);
  const inLen = new Uint32Array(1);
  const outLen = new Uint32Array(1);
  const setInt = (st: NativeHandle, request: number, value: number): void => {
    int1[0] = value;
    preCtlInt(st, request, int1);
  };

  return {
    libraryPath,
    echoInit(frameSize, filterLength, sampleRate) {
      const st = echoStateInit(frameSize, filterLength) as NativeHandle | null;
      if (!st) throw new Error('speex_echo_state_init failed');
      int1[0] = sampleRate;
      echoCtl(st, SPEEX_ECHO_SET_SAMPLING_RATE, int1);
      return st;
    },
    echoCancel: (st, rec, play, out) => echoCancellation(st, rec, play, out),
    echoReset: (st) => echoStateReset(st),
    echoDestroy: (st) => echoStateDestroy(st),
    preprocessInit(frameSize, sampleRate, echo, options) {
      const st = preInit(frameSize, sampleRate) as NativeHandle | null;
      if (!st) throw new Error('speex_preprocess_state_init failed');
      setInt(st, SPEEX_PREPROCESS_SET_DENOISE, 1);
      setInt(st, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, options.noiseSuppressDb);
      // The server does its own gain control; ours would only fight it. (Its VAD is off by
      // default, and setting it prints a warning on stderr from native code.)
      setInt(st, SPEEX_PREPROCESS_SET_AGC, 0);
      setInt(st, SPEEX_PREPROCESS_SET_DEREVERB, 0);
      setInt(st, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, options.echoSuppressDb);
      setInt(st, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, options.echoSuppressActiveDb);
      preCtlEcho(st, SPEEX_PREPROCESS_SET_ECHO_STATE, echo);
      return st;
    },
    preprocessRun: (st, frame) => {
      preRun(st, frame);
    },
    preprocessDestroy: (st) => preDestroy(st),
    resamplerInit(inRate, outRate, quality) {
      const st = resInit(1, inRate, outRate, quality, int1) as NativeHandle | null;
      if (!st || int1[0] !== 0) throw new Error(`speex_resampler_init failed (${int1[0]})`);
      return st;
    },
    resample(st, input, out) {
      inLen[0] = input.length;
      outLen[0] = out.length;
      resProcess(st, 0, input, inLen, out, outLen);
      return outLen[0]!;
    },
    resamplerReset: (st) => {
      resReset(st);
    },
    resamplerDestroy: (st) => resDestroy(st),
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]!.trim();
}
