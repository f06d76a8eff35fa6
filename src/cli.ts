#!/usr/bin/env node
import {runExpress} from './cli/express.js';

// harness and simulate start without loading oclif when their flags are plain (src/cli/express.ts)
if (!(await runExpress(process.argv.slice(2)))) {
  const {execute} = await import('@oclif/core');
  await execute({dir: import.meta.url});
}
