/**
 * Start-up fast path for the commands of the edit-trace-render loop. Loading @oclif/core takes
 * longer than tracing a pixel, so `harness` and `simulate` command lines made only of plain
 * `--flag value` forms (see parsePlainFlags) run directly. Anything else (help, unknown or
 * repeated flags, bad values) goes to oclif, which parses it fully and prints its messages;
 * both paths run the same command function, and test/express.test.ts checks they parse alike.
 */
import {runCommand, splitPassthrough} from './common.js';
import {parsePlainFlags, type FlagSpecs, type FlagValues} from './flags.js';

interface Route {
  flags: FlagSpecs;
  run: (flags: FlagValues, passthrough: string[], commandLine: string[]) => Promise<number>;
}

const ROUTES: Record<string, () => Promise<Route>> = {
  harness: async () => {
    const {HARNESS_FLAGS, runHarness} = await import('./harness.js');
    return {flags: HARNESS_FLAGS, run: runHarness};
  },
  simulate: async () => {
    // workers start in simulate, once the arguments say how much there is to render
    const [{SIMULATE_FLAGS}, {simulateCommand}] = await Promise.all([import('./simulate-flags.js'), import('./simulate.js')]);
    return {flags: SIMULATE_FLAGS, run: simulateCommand};
  },
};

/** Run the command line if it takes the fast path; false leaves it to oclif. */
export async function runExpress(argv: string[]): Promise<boolean> {
  const [name, ...commandLine] = argv;
  if (!Object.hasOwn(ROUTES, name)) return false;
  const {own, passthrough} = splitPassthrough(commandLine);
  const route = await ROUTES[name]();
  const flags = parsePlainFlags(route.flags, own);
  if (!flags) return false;
  await runCommand(() => route.run(flags, passthrough, commandLine));
  return true;
}
