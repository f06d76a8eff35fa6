/**
 * Node builtins that most runs never use, loaded on first use instead of with the modules that
 * import them: a `simulate` or `harness` start-up then never pays for them (each is 1-5 ms of
 * loading, and an ES import of a builtin builds a module facade besides). `require` here is
 * synchronous, so callers stay synchronous.
 */
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);

/** node:crypto: hashes and temporary names */
export const nodeCrypto = (): typeof import('node:crypto') => require('node:crypto');
/** node:zlib: .gz images */
export const nodeZlib = (): typeof import('node:zlib') => require('node:zlib');
/** node:worker_threads: render workers */
export const nodeWorkerThreads = (): typeof import('node:worker_threads') => require('node:worker_threads');
