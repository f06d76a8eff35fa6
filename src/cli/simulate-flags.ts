/** `simulate`'s own flags (before "--"); kept apart from the renderer so that oclif's help loads no engine. */
import type {FlagSpecs} from './flags.js';
import {MAX_MEMORY_FLAG, MAX_WORKERS} from './limits.js';

export const SIMULATE_FLAGS = {
  'phi-mode': {kind: 'string', description: 'spec: fresh phi rotation each step; c-parity: reproduce C-PARITY-001', options: ['spec', 'c-parity'], default: 'spec'},
  workers: {kind: 'integer', description: 'threads that render at most, the main one included (default: all cores; fewer for small frames or ROIs); the output does not depend on it', min: 1, max: MAX_WORKERS},
  'max-memory': MAX_MEMORY_FLAG,
  'c-threads': {kind: 'integer', description: 'reproduce the C program run with OMP_NUM_THREADS=N (c-parity: each thread block starts from the unrotated cell; default 1)', min: 1},
  json: {kind: 'boolean', description: 'print the summary as one JSON object instead of C-style lines'},
  'smv-header': {kind: 'string', description: 'SMV headers over 512 bytes: c writes them as nanoBragg does (unpadded, declaring 512: C-SMV-HEADER-OVERFLOW), valid pads them and declares their true size', options: ['c', 'valid'], default: 'c'},
} as const satisfies FlagSpecs;
