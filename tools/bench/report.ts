/**
 * The benchmarks' one table and exit rule.
 *
 * Every line may carry two different checks:
 * - a **target**: what we aim for (a speed ratio, a memory bound). Printed as PASS/FAIL so the
 *   figures can be quoted, but never the reason a run fails: on a shared 2-core machine a ratio
 *   swings by several points from run to run, so a gate near the target rejects good work at random.
 * - a **CI gate**: what makes the run fail (exit status 1). Only correctness (rows lost, doubled,
 *   failed or empty; key-provider calls; bytes) and collapse floors far below the targets (a ratio
 *   at half the target, a memory bound at twice it), which no run of working code comes near.
 *
 * `BENCH_STRICT=1` also fails on a missed target, for a quiet machine and a human reading the table.
 */

export interface ReportLine {
  /** Scenario name (S1, S2, ...); the column is left out when no line has one. */
  scenario?: string;
  metric: string;
  measured: string;
  /** The target as printed (`>= 80 %`); none: an informational line. */
  target?: string;
  met?: boolean;
  /** The CI gate as printed (`>= 50 %`, `exact`); none: the line never fails a run. */
  gate?: string;
  held?: boolean;
}

export class BenchReport {
  readonly lines: ReportLine[] = [];

  add(line: ReportLine): void {
    if ((line.target === undefined) !== (line.met === undefined)) throw new Error(`${line.metric}: a target needs its result and the other way round`);
    if ((line.gate === undefined) !== (line.held === undefined)) throw new Error(`${line.metric}: a gate needs its result and the other way round`);
    this.lines.push(line);
  }

  info(scenario: string | undefined, metric: string, measured: string): void {
    this.add({ scenario, metric, measured });
  }

  print(write: (text: string) => void = console.log): void {
    const withScenario = this.lines.some((line) => line.scenario !== undefined);
    const headers = [...(withScenario ? ['scenario'] : []), 'metric', 'measured', 'target', 'result', 'CI gate'];
    const cells = this.lines.map((line) => [
      ...(withScenario ? [line.scenario ?? ''] : []),
      line.metric,
      line.measured,
      line.target ?? '-',
      line.met === undefined ? 'info' : line.met ? 'PASS' : 'FAIL',
      line.gate === undefined ? '-' : `${line.held ? 'held' : 'BROKEN'} (${line.gate})`,
    ]);
    const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((cell) => cell[i].length)));
    const row = (cell: string[]) =>
      cell
        .map((text, i) => text.padEnd(widths[i]))
        .join(' | ')
        .trimEnd();
    write(row(headers));
    write(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const cell of cells) write(row(cell));
  }

  /**
   * Prints what was missed and what broke, and says whether the run passes: every gate held (and,
   * with `strict`, every target met).
   */
  verdict(strict: boolean, write: (text: string) => void = console.log): boolean {
    const name = (line: ReportLine) => (line.scenario ? `${line.scenario} ${line.metric}` : line.metric);
    const missed = this.lines.filter((line) => line.met === false);
    const broken = this.lines.filter((line) => line.held === false);
    const targets = this.lines.filter((line) => line.met !== undefined).length;
    const gates = this.lines.filter((line) => line.held !== undefined).length;
    write('');
    write(
      missed.length === 0
        ? `targets: all ${targets} met`
        : `targets: ${targets - missed.length} of ${targets} met; missed: ${missed.map(name).join('; ')}${strict ? '' : ' (printed, not a gate: see tools/bench/README.md)'}`,
    );
    write(broken.length === 0 ? `CI gates: all ${gates} held` : `CI gates BROKEN: ${broken.map(name).join('; ')}`);
    return broken.length === 0 && (!strict || missed.length === 0);
  }
}

/** `BENCH_STRICT=1`: a missed target fails the run too. */
export function strictFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BENCH_STRICT === '1' || env.BENCH_STRICT === 'true';
}
