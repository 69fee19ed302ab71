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

/** The narrowest time span the trend's x axis shows, in seconds. */
export const MIN_TREND_SPAN_S = 60;

/**
 * The x range for scans from `min` to `max` (seconds): as is when they span
 * a minute or more; otherwise a minute centred on them, so scans seconds
 * apart (or a single one) get readable clock times, not millisecond ticks.
 */
export function trendRange(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, MIN_TREND_SPAN_S];
  if (max - min >= MIN_TREND_SPAN_S) return [min, max];
  const mid = (min + max) / 2;
  return [mid - MIN_TREND_SPAN_S / 2, mid + MIN_TREND_SPAN_S / 2];
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
