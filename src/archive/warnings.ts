// Problems the reader worked around and read correctly anyway (a manifest's wrong file size): the
// user hears of each one once per process, however many scans, chunks or rebuilds meet it again.
export type ArchiveWarningListener = (message: string) => void;

const reported = new Set<string>();
const listeners = new Set<ArchiveWarningListener>();

/** Reports `message` unless it was reported before: to the listeners, else to stderr. */
export function warnOnce(message: string): void {
  if (reported.has(message)) return;
  reported.add(message);
  if (listeners.size === 0) console.warn(`reproject: warning: ${message}`);
  for (const listener of listeners) listener(message);
}

/** Hears the warnings instead of stderr (a CLI, a Convex action's log, a test); returns the unsubscribe. */
export function onArchiveWarning(listener: ArchiveWarningListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
