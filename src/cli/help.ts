/**
 * oclif's help, plus the exit-code scheme as its own section, verbatim (oclif would re-wrap it
 * inside a description): every command's --help marks the codes it can return (`static
 * exitCodes`), the root help lists the scheme after the commands.
 */
import {Help, type Command} from '@oclif/core';
import {EXIT_CODE_TABLE, exitCodesHelp, type ExitCode} from '../util/exit-codes.js';

export default class NbparityHelp extends Help {
  private exitCodesSection(codes: readonly ExitCode[], title?: string): string {
    const [first, ...rows] = exitCodesHelp(codes).split('\n');
    return `EXIT CODES\n${this.indent([title ?? first, ...rows].join('\n'))}`;
  }

  protected formatCommand(command: Command.Loadable): string {
    const codes = (command as unknown as {exitCodes?: ExitCode[]}).exitCodes;
    const base = super.formatCommand(command);
    return codes ? `${base}\n\n${this.exitCodesSection(codes)}` : base;
  }

  protected async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const all = EXIT_CODE_TABLE.map((e) => e.code);
    this.log(`${this.exitCodesSection(all, 'One scheme for every command (each command\'s --help marks the codes it can return):')}`);
  }
}
