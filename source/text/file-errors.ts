/** Why a file could not be read, in words (`no such file`), else the error's code or message. */
export function readErrorReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'it is a directory',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of the path is not a directory',
    ELOOP: 'too many symbolic links',
  };
  return (e?.code && reasons[e.code]) ?? e?.code ?? (e instanceof Error ? e.message : 'unreadable');
}
