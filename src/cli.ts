#!/usr/bin/env node
import {exitWhenDrained, guardStdout, reportFailure, setExitCode, strayWord} from './cli/common.js';
import {prepareColour, takeColourFlag} from './cli/colour.js';
import {runExpress} from './cli/express.js';
import {UserError} from './engine/errors.js';
import {installInterruptHandlers} from './io/interrupt.js';
import {EXIT} from './util/exit-codes.js';

guardStdout();
installInterruptHandlers();
// a bug that escapes a command (a stray rejection, a throw in a callback) is one line and exit 70
// too; the process then ends, but only once stdout has drained
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (e: unknown) => {
    setExitCode(reportFailure(e));
    exitWhenDrained();
  });
}

// --no-color is everyone's flag: taken out here, so no command parser sees it
const argv = takeColourFlag(process.argv.slice(2));
await prepareColour();

/** `nbparity help [COMMAND...]` is `nbparity [COMMAND...] --help`. */
function helpArgv(words: string[]): string[] {
  return words[0] === 'help' ? [...words.slice(1), '--help'] : words;
}

// harness and simulate start without loading oclif when their flags are plain (src/cli/express.ts)
if (!(await runExpress(argv))) {
  // no oclif flush(): nothing exits early, so Node drains stdout by itself (and flush's own
  // write would turn a failed stdout into an uncaught error)
  const {run} = await import('@oclif/core');
  guardStdout();
  const {COMMANDS} = await import('../commands/index.js');
  const words = helpArgv(argv);
  const known = new Set(Object.keys(COMMANDS));
  try {
    if (words[0] !== undefined && !words[0].startsWith('-') && !known.has(words[0])) {
      printUnknown(words[0]);
    } else if (argv[0] === 'help' && words.length > 2) {
      // `help CMD word`: no command takes a sub-command yet
      throw new UserError(`help: unexpected argument '${words[1]}' (see nbparity help)`, EXIT.USAGE);
    } else {
      await run(words, import.meta.url);
    }
  } catch (e) {
    // oclif joins stray words into the command name ("command compare-traces:a.log not found")
    const unknown = /^command (\S+) not found$/.exec((e as Error)?.message ?? '');
    if (unknown) {
      const [name, ...stray] = unknown[1].split(':');
      if (stray.length) setExitCode(reportFailure(strayWord(name, stray[0])));
      else printUnknown(name);
    } else setExitCode(reportFailure(e));
  }
}

function printUnknown(name: string): void {
  setExitCode(reportFailure(new UserError(`unknown command '${name}' (see nbparity --help)`, EXIT.USAGE)));
}
