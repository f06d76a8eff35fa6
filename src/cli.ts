#!/usr/bin/env node
import {printFailure} from './cli/common.js';
import {runExpress} from './cli/express.js';

// harness and simulate start without loading oclif when their flags are plain (src/cli/express.ts)
if (!(await runExpress(process.argv.slice(2)))) {
  const {run, flush, handle} = await import('@oclif/core');
  try {
    await run(process.argv.slice(2), import.meta.url);
    await flush();
  } catch (e) {
    // oclif joins stray words into the command name ("command compare-traces:a.log not found")
    const unknown = /^command (\S+) not found$/.exec((e as Error)?.message ?? '');
    if (unknown) {
      const [name, ...stray] = unknown[1].split(':');
      printFailure(stray.length ? `${name}: unexpected argument '${stray[0]}' (see nbparity ${name} --help)` : `unknown command '${name}' (see nbparity --help)`);
      process.exitCode = 2;
    } else await handle(e as Error);
  }
}
