import {Command, Flags} from '@oclif/core';
import {runGuarded, splitPassthrough, writeOutput} from '../src/cli/common.js';

export default class Harness extends Command {
  static summary = "Trace one pixel through the engine, in the C tracer's key vocabulary (TRACE_TS).";
  static description = `Computes only the requested pixel (no full render) and prints TRACE_TS lines with the same keys, order, repetition and %.15g formatting as nanoBragg.c's -trace_pixel output, plus TRACE_TS_PHI lines.
The nanoBragg arguments follow "--"; input files are read relative to the working folder, as C does.

Exit codes: 0 trace written; 2 bad arguments; 3 unreadable or malformed input file; 4 pixel outside the detector; 5 pixel not rendered (outside -roi or zero in -mask: C prints no per-pixel block); 9 nanoBragg usage error (no structure factors or no cell), as C.`;
  static examples = [
    '<%= config.bin %> harness --pixel 685 1039 --phi-mode c-parity -- -mat A.mat -hkl scaled.hkl ...',
    '<%= config.bin %> harness --pixel 100 150 --out trace.log -- -cell 100 100 100 90 90 90 -default_F 100 -N 5',
  ];
  static strict = false;
  static flags = {
    pixel: Flags.integer({description: 'slow then fast pixel index (as C -trace_pixel)', multiple: true, required: true}),
    'phi-mode': Flags.string({description: 'spec: fresh phi rotation each step; c-parity: reproduce C-PARITY-001', options: ['spec', 'c-parity'], default: 'spec'}),
    out: Flags.string({description: 'write the trace to this file (atomically) instead of stdout'}),
  };

  async run(): Promise<void> {
    await runGuarded(this, async () => {
      const {own, passthrough} = splitPassthrough(this.argv);
      const {flags} = await this.parse(Harness, own);
      if (flags.pixel.length !== 2) this.error('--pixel takes two integers: slow fast', {exit: 2});
      const {tracePixel} = await import('../src/engine/harness.js');
      const result = tracePixel({argv: passthrough, spixel: flags.pixel[0], fpixel: flags.pixel[1], phiMode: flags['phi-mode'] as 'spec' | 'c-parity'});
      await writeOutput(this, result.trace, flags.out);
    });
  }
}
