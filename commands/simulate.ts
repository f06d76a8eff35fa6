import {Command} from '@oclif/core';
import {parseFlags, runGuarded, splitPassthrough} from '../src/cli/common.js';
import {oclifFlags} from '../src/cli/oclif-flags.js';
import {SIMULATE_FLAGS} from '../src/cli/simulate-flags.js';

export default class Simulate extends Command {
  static summary = 'Render a full frame like nanoBragg: same flags, same output files, same summary lines.';
  static description = `Renders the whole detector (ROI and mask honoured) with the embedded engine and writes what the nanoBragg arguments ask for: -floatfile, -intfile (SMV), -noisefile (Poisson, C's generator), -pgmfile, and Fdump.bin after reading -hkl, as C does (C's default names apply when a flag is absent). Prints C's summary lines; --json prints the same figures as one JSON object. The output is the one-thread C program's whatever --workers is; --c-threads N gives what C writes with OMP_NUM_THREADS=N (in c-parity mode each thread's block of rows starts from the unrotated cell; a run that interpolates is warned about, as C's threads race on interpolation). Output files are written under a temporary name and renamed.

Exit codes: 0 success; 2 bad arguments; 3 unreadable or malformed input file, or an output that cannot be written; 9 no structure factors or no cell (usage printed, as C).`;
  static examples = [
    '<%= config.bin %> simulate --phi-mode c-parity -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -detpixels 256 -floatfile float.bin',
    '<%= config.bin %> simulate --workers 2 --json -- -mat A.mat -hkl scaled.hkl -nonoise ...',
    '<%= config.bin %> simulate --phi-mode c-parity --c-threads 4 -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -detpixels 200 -phi 0 -osc 1 -phisteps 5 -floatfile float.bin',
  ];
  static strict = false;
  static flags = oclifFlags(SIMULATE_FLAGS);

  async run(): Promise<void> {
    await runGuarded(this, async () => {
      const {own, passthrough} = splitPassthrough(this.argv);
      const {flags} = await parseFlags(this, () => this.parse(Simulate, own));
      const {simulateCommand} = await import('../src/cli/simulate.js');
      const code = await simulateCommand(flags, passthrough);
      if (code !== 0) this.exit(code);
    });
  }
}
