/**
 * Names of this machine in a URL: `localhost` (and `*.localhost`), `::1` and `127.*`. A server
 * there is one the user runs (a `serve`, a server of their own), so a refused connection means
 * it has stopped, and every one of these names reaches the same server.
 */

/** Whether a URL's host is a name of this machine. */
export function onThisMachine(url: URL): boolean {
  const name = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\./.test(name)
  );
}
