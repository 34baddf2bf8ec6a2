/**
 * `@serialport/bindings-cpp` is an optional dependency (native code that may fail to build),
 * so it is loaded on demand and only the small part of its API used here is typed.
 */

/** An open port: `read` resolves with at least one byte, or rejects when the port goes away. */
export interface SerialPortHandle {
  readonly isOpen: boolean;
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number }>;
  /** Must not be called while a previous write is still pending. */
  write(buffer: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** What `autoDetect()` returns, narrowed to what omnia-voice uses. */
export interface SerialBinding {
  list(): Promise<Array<{ path: string; manufacturer?: string | undefined }>>;
  open(options: { path: string; baudRate: number }): Promise<SerialPortHandle>;
}

export const SERIAL_BINDINGS_PACKAGE = '@serialport/bindings-cpp';

/**
 * Loads the platform's serial binding. Rejects with an install hint when the package is
 * missing or its native part did not build. `moduleName` exists so the missing case can be
 * exercised for real.
 */
export async function loadSerialBinding(
  moduleName: string = SERIAL_BINDINGS_PACKAGE,
): Promise<SerialBinding> {
  let mod: unknown;
  try {
    mod = await import(moduleName);
  } catch (error) {
    const detail = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new Error(
      `serial control needs the optional package ${moduleName}, which is not installed or did ` +
        `not build (${detail}); install it with: npm install ${moduleName}`,
    );
  }
  const m = mod as {
    autoDetect?: () => SerialBinding;
    default?: { autoDetect?: () => SerialBinding };
  };
  const autoDetect = m.autoDetect ?? m.default?.autoDetect;
  if (typeof autoDetect !== 'function') {
    throw new Error(`${moduleName} does not export autoDetect(): unsupported version`);
  }
  return autoDetect();
}
