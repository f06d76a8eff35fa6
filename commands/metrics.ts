import {Args, Command, Flags} from '@oclif/core';

import {parseFlags} from '../src/cli/common.js';
import {failCommand} from '../src/report/cli-errors.js';
import {regenerateBundle, verifyBundle} from '../src/report/bundle.js';
import {parseNonNegative} from '../src/trace/errors.js';

export default class Metrics extends Command {
  static summary = 'Rewrite or verify the metrics, commands, environment and checksums of an evidence bundle.';

  static description = [
    "Without --verify: recomputes summary.md and metrics.json from the bundle's trace and reference (tolerance from env.json unless --tolerance/--atol are given), appends this command to commands.txt, refreshes env.json and rewrites sha256.txt over every other file. Each file is replaced atomically.",
    '',
    'With --verify: re-hashes every file against sha256.txt and changes nothing.',
    '',
    'Exit codes:',
    '  0  files written / bundle intact',
    '  1  (--verify) a changed, missing or extra file',
    '  2  bad input (not a bundle folder, no or malformed sha256.txt, unreadable trace) or any other error',
  ].join('\n');

  static examples = ['<%= config.bin %> metrics reports/20251128T035700Z --verify', '<%= config.bin %> metrics reports/20251128T035700Z'];

  static args = {
    bundle: Args.string({required: true, description: 'bundle folder (ROOT/<yyyymmddTHHMMSSZ>)'}),
  };

  static flags = {
    verify: Flags.boolean({description: 're-hash every file against sha256.txt; exit 1 on any changed, missing or extra file'}),
    tolerance: Flags.string({description: 'relative tolerance for the recomputed comparison (default: env.json)', helpValue: 'RTOL'}),
    atol: Flags.string({description: 'absolute tolerance for the recomputed comparison (default: env.json)', helpValue: 'A'}),
    json: Flags.boolean({description: 'print the result as JSON'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await parseFlags(this, () => this.parse(Metrics));
    let code = 0;
    try {
      if (flags.verify) {
        const result = await verifyBundle(args.bundle);
        if (flags.json) {
          process.stdout.write(JSON.stringify({bundle: args.bundle, ...result}, null, 2) + '\n');
        } else if (result.ok) {
          this.log(`OK: ${result.checked} files match sha256.txt in ${args.bundle}`);
        } else {
          this.log(`FAILED: ${args.bundle} does not match its sha256.txt`);
          for (const f of result.changed) this.log(`  changed: ${f}`);
          for (const f of result.missing) this.log(`  missing: ${f}`);
          for (const f of result.extra) this.log(`  extra:   ${f}`);
        }
        code = result.ok ? 0 : 1;
      } else {
        const command = ['nbparity', 'metrics', ...this.argv].join(' ');
        const result = await regenerateBundle(args.bundle, {
          tolerance: parseNonNegative('tolerance', flags.tolerance),
          atol: parseNonNegative('atol', flags.atol),
          command,
        });
        const c = result.comparison;
        if (flags.json) {
          process.stdout.write(
            JSON.stringify({bundle: args.bundle, written: result.written, verdict: c?.verdict ?? null, first_divergence: c?.first_divergence?.key ?? null}, null, 2) +
              '\n',
          );
        } else {
          this.log(`wrote ${result.written.join(', ')} in ${args.bundle}`);
          if (c) this.log(`  comparison: ${c.verdict}${c.first_divergence ? `, first divergence ${c.first_divergence.key}` : ''}`);
        }
      }
    } catch (error) {
      failCommand(this, error);
    }
    if (code !== 0) this.exit(code);
  }
}
