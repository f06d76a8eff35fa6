import {Args, Command, Flags} from '@oclif/core';
import {parseErrorLine, runCommand} from '../src/cli/common.js';
import {UserError} from '../src/engine/errors.js';
import {matrixMergeCommand} from '../src/cli/matrix.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class MatrixMerge extends Command {
  static summary = 'Combine the bundles of a sharded matrix run into one.';
  static description = `Each shard bundle (matrix --shard K/N) is verified against its sha256.txt, its case-run parts are copied byte for byte, and metrics.json and summary.md are made from the union of the rows in campaign order: equal to a single run's apart from the timing fields (generated_utc, timing, rows[].seconds). Shards of different campaigns (other sources, modes, implementation, tolerance) or one shard given twice are refused (exit 3). Exit 0 when every row passes, 1 otherwise, 8 when a shard is missing (rows of the campaign that no bundle holds).`;
  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.CANNOT_WRITE, EXIT.PARTIAL, EXIT.INTERNAL];
  static examples = [
    'for k in 1 2 3; do <%= config.bin %> matrix --only "si*,so*,sp*,*_xtal" --shard $k/3 --bundle shards/$k; done',
    '<%= config.bin %> matrix merge shards/*/* --bundle merged',
  ];
  static strict = false;
  static args = {bundles: Args.string({description: 'shard bundles', required: true})};
  static flags = {
    bundle: Flags.string({description: 'root of the merged timestamped bundle', default: 'reports/matrix', helpValue: 'ROOT'}),
    json: Flags.boolean({description: 'print metrics.json instead of one line per row'}),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      // the bundles are any number of positional words, which parseCommandLine would call stray
      let parsed;
      try {
        parsed = await this.parse(MatrixMerge);
      } catch (e) {
        throw new UserError(parseErrorLine(e), EXIT.USAGE);
      }
      return matrixMergeCommand(parsed.argv.map(String), parsed.flags, this.argv);
    });
  }
}
