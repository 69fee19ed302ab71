import type { TrendPoint } from "./bindings/TrendPoint";
import type { ScanRecord } from "./bindings/ScanRecord";

/**
 * uPlot's columns for the trend: x is the scan's finish time (seconds), then
 * open critical, high, medium and low findings. Points without a time are
 * dropped; equal times are nudged apart so the x axis stays increasing.
 */
export function trendSeries(points: TrendPoint[]): [number[], number[], number[], number[], number[]] {
  const out: [number[], number[], number[], number[], number[]] = [[], [], [], [], []];
  let last = -Infinity;
  for (const p of points) {
    const t = Date.parse(p.at);
    if (Number.isNaN(t)) continue;
    const x = Math.max(t / 1000, last + 0.001);
    last = x;
    out[0].push(x);
    out[1].push(p.open.critical);
    out[2].push(p.open.high);
    out[3].push(p.open.medium);
    out[4].push(p.open.low);
  }
  return out;
}

/**
 * The two scans to compare by default: the latest complete scan and the
 * complete scan of the same kind and scope before it; null when none.
 */
export function defaultPair(scans: ScanRecord[]): [number, number] | null {
  const complete = scans.filter((s) => s.status === "complete");
  const to = complete[0];
  if (!to) return null;
  const from = complete.find((s) => s.id < to.id && s.kind === to.kind && s.scope === to.scope);
  return from ? [from.id, to.id] : null;
}
