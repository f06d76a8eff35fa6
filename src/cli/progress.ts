/** A one-line progress bar for long renders; only used when stderr is a terminal. */
export class ProgressBar {
  private last = -1;
  private readonly start = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(done: number, total: number): void {
    const pct = Math.floor((100 * done) / total);
    if (pct === this.last) return;
    this.last = pct;
    const width = 30;
    const fill = Math.round((width * done) / total);
    const secs = ((Date.now() - this.start) / 1000).toFixed(1);
    this.stream.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${secs}s`);
  }

  done(): void {
    if (this.last >= 0) this.stream.write('\n');
  }
}
