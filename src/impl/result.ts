/** What one run of an implementation (the C binary, the embedded engine) gave. */
export interface RunResult {
  ok: boolean;
  /** why it failed, one line */
  error?: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
}
