import {Command} from '@oclif/core';

export default class Harness extends Command {
  static summary = 'Trace one pixel.';
  async run(): Promise<void> {
    this.log('todo');
  }
}
