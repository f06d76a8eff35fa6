/**
 * A folder built beside its final name and renamed into place when complete: a failure or an
 * interruption (SIGINT/SIGTERM, via onInterrupt) leaves nothing, not even the parent folders
 * this created, and an existing folder of that name is never replaced.
 */
import {randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, renameSync, rmSync} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {UserError} from '../engine/errors.js';
import {EXIT} from '../util/exit-codes.js';
import {FileWriteError, makeFolders, removeFolders} from './atomic.js';
import {onInterrupt} from './interrupt.js';

function exists(target: string): UserError {
  return new UserError(`${target} exists; it is left as it is (choose another name, or remove it)`, EXIT.CANNOT_WRITE);
}

export class StagedFolder {
  /** where the files go until commit */
  readonly dir: string;
  readonly target: string;
  private readonly created: string[];
  private readonly forget: () => void;
  private done = false;

  /** Throws UserError (exit 6) when the target exists, FileWriteError when its parent cannot be made or written. */
  constructor(target: string) {
    this.target = resolve(target);
    if (existsSync(this.target)) throw exists(this.target);
    this.created = makeFolders(dirname(this.target));
    try {
      // mkdir, not mkdtemp: the folder keeps the permissions of any other the user makes
      this.dir = join(dirname(this.target), `.${basename(this.target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
      mkdirSync(this.dir);
    } catch (e) {
      removeFolders(this.created);
      throw new FileWriteError(dirname(this.target), e, 'cannot create a folder in');
    }
    this.forget = onInterrupt(() => this.remove());
  }

  private remove(): void {
    rmSync(this.dir, {recursive: true, force: true, maxRetries: 3});
    removeFolders(this.created);
  }

  /** Rename the finished folder to its target. */
  commit(): void {
    if (this.done) return;
    if (existsSync(this.target)) {
      this.discard();
      throw exists(this.target);
    }
    try {
      renameSync(this.dir, this.target);
    } catch (e) {
      this.discard();
      throw new FileWriteError(this.target, e, 'cannot rename the finished folder to');
    }
    this.done = true;
    this.forget();
  }

  /** Remove the folder and the parents it created (idempotent). */
  discard(): void {
    if (this.done) return;
    this.done = true;
    this.remove();
    this.forget();
  }
}
