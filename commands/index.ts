import Harness from './harness.js';

// oclif's explicit strategy: one import per command keeps start-up to the modules a run needs.
export const COMMANDS = {
  harness: Harness,
};
