/**
 * A thread that renders a campaign's small frames (see render-threads.ts): each message is one
 * engine run (runOurs: the nanoBragg arguments, writing the float image where they say); the
 * answer is its result, with the exit code a UserError carried.
 */
import {parentPort} from 'node:worker_threads';
import {UserError} from '../engine/errors.js';
import {runOurs, type OurRunOptions} from '../images/runner.js';

const port = parentPort!;
port.on('message', ({id, argv, cwd, options}: {id: number; argv: string[]; cwd: string; options: OurRunOptions}) => {
  void runOurs(argv, cwd, options).then((r) => {
    const {cause, ...result} = r;
    port.postMessage({id, result: {...result, causeExitCode: cause instanceof UserError ? cause.exitCode : undefined}});
  });
});
