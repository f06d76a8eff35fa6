import {Command} from '@oclif/core';
import {parseCommandLine, runCommand} from '../src/cli/common.js';
import type {FlagValues} from '../src/cli/flags.js';
import {oclifFlags} from '../src/cli/oclif-flags.js';
import {SIMULATE_FLAGS} from '../src/cli/simulate-flags.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class Simulate extends Command {
  static summary = 'Render a full frame like nanoBragg: same flags, same output files, same summary lines.';
  static description = `Renders the whole detector (ROI and mask honoured) with the embedded engine and writes what the nanoBragg arguments ask for: -floatfile, -intfile (SMV), -noisefile (Poisson, C's generator), -pgmfile, and Fdump.bin after reading -hkl, as C does (C's default names apply when a flag is absent). Prints C's summary lines; --json prints the same figures as one JSON object. The output is the one-thread C program's whatever --workers is; --c-threads N gives what C writes with OMP_NUM_THREADS=N (in c-parity mode each thread's block of rows starts from the unrotated cell; a run that interpolates is warned about, as C's threads race on interpolation). Output files are written under a temporary name and renamed, all of them only once every one is complete. An output that is one of the run's inputs (-hkl, -mat, ...) is refused (exit 2).
SMV headers: nanoBragg declares HEADER_BYTES=512 and writes its header unpadded when it is longer (C-SMV-HEADER-OVERFLOW: the closing "}" and the first pixels then sit past byte 512, and readers that trust the header misread the file). By default the files are C's, byte for byte; --smv-header valid writes a header padded to the next multiple of 512 bytes that declares its true size instead (the pixels are the same).`;
  static exitCodes = [EXIT.OK, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.IDENTITY, EXIT.CANNOT_WRITE, EXIT.NANOBRAGG_USAGE, EXIT.LIMIT, EXIT.INTERNAL, EXIT.SIGINT, EXIT.SIGTERM];
  static examples = [
    '<%= config.bin %> simulate --phi-mode c-parity -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -detpixels 256 -floatfile float.bin',
    '<%= config.bin %> simulate --workers 2 --json -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -detpixels 128 -floatfile float.bin -intfile int.img',
    '<%= config.bin %> simulate --phi-mode c-parity --c-threads 4 -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -lambda 1.0 -distance 100 -pixel 0.1 -detpixels 200 -phi 0 -osc 1 -phisteps 5 -nonoise -floatfile float_omp4.bin',
  ];
  static passthrough = true;
  static strict = false;
  static flags = oclifFlags(SIMULATE_FLAGS);

  async run(): Promise<void> {
    await runCommand(async () => {
      const {flags, passthrough} = await parseCommandLine(this, Simulate);
      const {simulateCommand} = await import('../src/cli/simulate.js');
      return simulateCommand(flags as FlagValues, passthrough);
    });
  }
}
