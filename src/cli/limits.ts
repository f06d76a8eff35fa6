/** The resource-limit flags shared by the commands that run the engine (simulate, harness, compare-images). */
import {availableParallelism} from 'node:os';
import type {FlagSpec} from './flags.js';

export const MAX_MEMORY_FLAG = {
  kind: 'string',
  description: 'refuse (exit 10) a run whose estimated memory (frame, sources, phi/mosaic tables, HKL grid) is over this size, e.g. 512M, 8G (default: half the machine memory)',
} as const satisfies FlagSpec;

/**
 * Rendering threads beyond a few per core only cost memory (each holds its own tables and HKL
 * grid copy); 1000 of them took 76 s and 4.9 GB for 256 pixels.
 */
export const MAX_WORKERS = Math.max(64, 4 * availableParallelism());

/** --max-memory in bytes (its default when absent); UserError (exit 2) when malformed. */
export async function maxMemoryOf(flags: {'max-memory'?: unknown}): Promise<number> {
  const {defaultMaxMemoryBytes, parseMemorySize} = await import('../engine/footprint.js');
  const text = flags['max-memory'] as string | undefined;
  return text === undefined ? defaultMaxMemoryBytes() : parseMemorySize(text);
}
