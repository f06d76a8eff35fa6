/** A one-line progress bar for long renders; only used when stderr is a terminal. */
export class ProgressBar {
  private last = -1;
  private readonly start = Date.now();

  /** `unit`: also show "done/total unit" and the time left at the rate so far */
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly unit?: string,
  ) {}

  update(done: number, total: number): void {
    const pct = Math.floor((100 * done) / total);
    if (pct === this.last) return;
    this.last = pct;
    const width = 30;
    const fill = Math.round((width * done) / total);
    const elapsed = (Date.now() - this.start) / 1000;
    const counts = this.unit ? ` ${done}/${total} ${this.unit}${done > 0 && done < total ? `, ETA ${Math.ceil((elapsed * (total - done)) / done)}s` : ''}` : '';
    this.stream.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${elapsed.toFixed(1)}s${counts}\x1b[K`);
  }

  done(): void {
    if (this.last >= 0) this.stream.write('\n');
  }
}
