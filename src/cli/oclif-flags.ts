/** oclif flag definitions from the plain declarations of `src/cli/flags.ts`. */
import {Flags} from '@oclif/core';
import type {FlagSpecs} from './flags.js';

// `any`: oclif types each flag separately; the commands hand the parsed values on as FlagValues
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function oclifFlags(specs: FlagSpecs): Record<string, any> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => {
      switch (spec.kind) {
        case 'integers':
          return [name, Flags.integer({description: spec.description, multiple: true, required: spec.required})];
        case 'integer':
          return [name, Flags.integer({description: spec.description, min: spec.min, max: spec.max})];
        case 'string':
          return [name, Flags.string({description: spec.description, options: spec.options ? [...spec.options] : undefined, default: spec.default})];
        case 'boolean':
          return [name, Flags.boolean({description: spec.description})];
      }
    }),
  );
}
