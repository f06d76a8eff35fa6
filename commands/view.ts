import {Args, Command, Flags} from '@oclif/core';

import {parseCommandLine, runCommand} from '../src/cli/common.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class View extends Command {
  static summary = "Show where a bundle's page (index.html) and pictures are, and open the page.";

  static description = [
    'Every bundle (harness --bundle, compare-traces --out/--bundle, compare-images, and the matrix) holds index.html: one self-contained file (no network; plots as inline SVG, pictures embedded) drawn from its metrics.json alone: the verdict and first divergence, the known C behaviour and explanation, relative deltas along the pipeline (log scale), the per-phi curves of both sides with divergent steps ringed, the key table by pipeline stage, and for images the reference, test and difference with colour bars, linear or log, ROI, peaks and a zoom on the worst pixel. `metrics BUNDLE --verify` re-draws every page from its metrics.json and fails when one differs.',
    '',
    'Prints the path of index.html; on a terminal of a desktop session (DISPLAY or WAYLAND_DISPLAY; macOS) it also opens it with xdg-open or open, unless --no-open. --json prints the paths of every page and PNG picture, sub-bundles included. A folder that is not a bundle, or holds no index.html, is bad input (exit 3).',
  ].join('\n');

  static exitCodes = [EXIT.OK, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.INTERNAL];
  static examples = [
    '<%= config.bin %> compare-traces --c traces/supervisor/trace_s685_f1039.log --py traces/supervisor_specref/trace_s685_f1039.log --out cmp',
    '<%= config.bin %> view cmp',
    '<%= config.bin %> view cmp --json',
  ];

  static args = {
    bundle: Args.string({required: true, description: 'bundle folder (e.g. reports/<yyyymmddTHHMMSSZ>)'}),
  };

  static flags = {
    json: Flags.boolean({description: 'print the paths of the pages and pictures as JSON (opens nothing)'}),
    open: Flags.boolean({description: 'open index.html with the desktop opener when on a terminal (default; --no-open never opens)', default: true, allowNo: true}),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      const {args, flags} = await parseCommandLine(this, View);
      const {viewCommand} = await import('../src/cli/view.js');
      return viewCommand(args.bundle, {json: flags.json, open: flags.open});
    });
  }
}
