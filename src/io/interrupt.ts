/**
 * SIGINT and SIGTERM: every temporary file or folder a run has staged (and every child process it
 * started) is registered here while it exists, and removed (killed) before the process exits with
 * 130 or 143. Earlier outputs are never touched: they are only ever replaced by a rename, which has
 * either happened or not.
 *
 * Clean-ups must be synchronous: a signal handler that awaits lets the event loop run the very
 * work being interrupted.
 */
import {EXIT} from '../util/exit-codes.js';

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let installed = false;

const SIGNALS: ReadonlyArray<[NodeJS.Signals, number]> = [
  ['SIGINT', EXIT.SIGINT],
  ['SIGTERM', EXIT.SIGTERM],
];

function runCleanups(): void {
  // newest first: a file inside a staged folder goes before the folder
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // a clean-up that fails must not keep the others from running
    }
  }
  cleanups.clear();
}

/** Install the handlers now (the CLI does it at start-up, so every interrupt gets its one line). */
export function installInterruptHandlers(): void {
  install();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of SIGNALS) {
    process.on(signal, () => {
      runCleanups();
      process.stderr.write(`nbparity: interrupted by ${signal}; temporary files removed, earlier outputs left as they were\n`);
      process.exit(code);
    });
  }
}

/**
 * Run `cleanup` if the process is interrupted before the returned function is called (call it once
 * the temporary thing is renamed into place or removed).
 */
export function onInterrupt(cleanup: Cleanup): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
