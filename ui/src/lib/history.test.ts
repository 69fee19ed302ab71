import { describe, expect, it } from "vitest";
import { defaultPair, MIN_TREND_SPAN_S, trendRange, trendSeries } from "./history";
import type { ScanRecord } from "./bindings/ScanRecord";
import type { SeverityCounts } from "./bindings/SeverityCounts";

const counts = (critical: number, high: number, medium: number, low: number, info: number): SeverityCounts => ({ critical, high, medium, low, info });
const none = counts(0, 0, 0, 0, 0);

const scan = (id: number, kind: string, scope: string, status = "complete"): ScanRecord =>
  ({ id, kind, scope, status, engine: "e", started_at: "", finished_at: null, error: null, counts: none, open: none, new_count: 0, resolved_count: 0, reopened_count: 0 }) as ScanRecord;

describe("trendSeries", () => {
  it("makes uPlot columns with increasing x", () => {
    const cols = trendSeries([
      { scan_id: 1, at: "2026-11-01T00:00:00Z", open: counts(1, 2, 3, 4, 5) },
      { scan_id: 2, at: "2026-11-01T00:00:00Z", open: counts(0, 2, 3, 4, 5) },
      { scan_id: 3, at: "", open: counts(9, 9, 9, 9, 9) },
    ]);
    expect(cols[1]).toEqual([1, 0]);
    expect(cols[4]).toEqual([4, 4]);
    expect(cols[0][1]).toBeGreaterThan(cols[0][0]);
  });
});

describe("trendRange", () => {
  it("widens scans seconds apart to a minute around them and keeps longer spans", () => {
    expect(trendRange(1000, 1000.2)).toEqual([1000.1 - MIN_TREND_SPAN_S / 2, 1000.1 + MIN_TREND_SPAN_S / 2]);
    expect(trendRange(500, 500)).toEqual([470, 530]);
    expect(trendRange(0, 3600)).toEqual([0, 3600]);
    expect(trendRange(NaN, NaN)).toEqual([0, MIN_TREND_SPAN_S]);
  });
});

describe("defaultPair", () => {
  it("pairs the latest complete scan with the previous one of its kind and scope", () => {
    const scans = [scan(9, "inventory", "all"), scan(8, "layers", "a:1"), scan(7, "inventory", "all", "interrupted"), scan(6, "inventory", "all")];
    expect(defaultPair(scans)).toEqual([6, 9]);
  });
  it("is null without an earlier scan to compare", () => {
    expect(defaultPair([scan(3, "layers", "a:1"), scan(2, "inventory", "all")])).toBeNull();
  });
});
