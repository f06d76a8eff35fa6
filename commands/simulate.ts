import {Command, Flags} from '@oclif/core';
import {fail, parseFlags, runGuarded, splitPassthrough} from '../src/cli/common.js';

export default class Simulate extends Command {
  static summary = 'Render a full frame like nanoBragg: same flags, same output files, same summary lines.';
  static description = `Renders the whole detector (ROI and mask honoured) with the embedded engine and writes what the nanoBragg arguments ask for: -floatfile, -intfile (SMV), -noisefile (Poisson, C's generator), -pgmfile, and Fdump.bin after reading -hkl, as C does (C's default names apply when a flag is absent). Prints C's summary lines; --json prints the same figures as one JSON object. Output files are written under a temporary name and renamed.

Exit codes: 0 success; 2 bad arguments; 3 unreadable or malformed input file, or an output that cannot be written; 9 no structure factors or no cell (usage printed, as C).`;
  static examples = [
    '<%= config.bin %> simulate --phi-mode c-parity -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -detpixels 256 -floatfile float.bin',
    '<%= config.bin %> simulate --workers 2 --json -- -mat A.mat -hkl scaled.hkl -nonoise ...',
  ];
  static strict = false;
  static flags = {
    'phi-mode': Flags.string({description: 'spec: fresh phi rotation each step; c-parity: reproduce C-PARITY-001', options: ['spec', 'c-parity'], default: 'spec'}),
    workers: Flags.integer({description: 'worker threads (default: all cores); the output does not depend on it', min: 1}),
    json: Flags.boolean({description: 'print the summary as one JSON object instead of C-style lines'}),
  };

  async run(): Promise<void> {
    await runGuarded(this, async () => {
      const {own, passthrough} = splitPassthrough(this.argv);
      const {flags} = await parseFlags(this, () => this.parse(Simulate, own));
      const {runSimulate} = await import('../src/cli/simulate.js');
      const code = await runSimulate({argv: passthrough, phiMode: flags['phi-mode'] as 'spec' | 'c-parity', workers: flags.workers, json: flags.json});
      if (code !== 0) fail(this, 'no structure factors or no unit cell (see usage above)', code);
    });
  }
}
