import { describe, expect, it } from "vitest";
import { codeParts, formatBytes, progressOf } from "./text";

describe("codeParts", () => {
  it("marks backticked spans as code", () => {
    expect(codeParts("Run `docker run --read-only` now")).toEqual([
      { code: false, text: "Run " },
      { code: true, text: "docker run --read-only" },
      { code: false, text: " now" },
    ]);
  });

  it("leaves text with an unmatched backtick as prose", () => {
    expect(codeParts("a ` b")).toEqual([{ code: false, text: "a ` b" }]);
  });
});

describe("formatBytes", () => {
  it("uses decimal units", () => {
    expect(formatBytes(812)).toBe("812 B");
    expect(formatBytes(4_200_000)).toBe("4.2 MB");
    expect(formatBytes(1_045_000_000)).toBe("1.0 GB");
  });
});

describe("progressOf", () => {
  it("shows layer i/n and bytes against the estimate", () => {
    const p = progressOf({ bytes: 250_000_000, total_bytes: 1_000_000_000, layer: 3, layers: 10, done: false });
    expect(p.percent).toBe(25);
    expect(p.label).toBe("layer 3/10 · 250.0 MB of ~1.0 GB");
  });

  it("never shows 100% before the end, even past the estimate", () => {
    expect(progressOf({ bytes: 2_000, total_bytes: 1_000, layer: 2, layers: 2, done: false }).percent).toBe(99);
    expect(progressOf({ bytes: 2_000, total_bytes: 1_000, layer: 2, layers: 2, done: true }).percent).toBe(100);
  });

  it("copes with unknown totals", () => {
    expect(progressOf({ bytes: 5_000, total_bytes: 0, layer: 1, layers: 0, done: false })).toEqual({ percent: 0, label: "layer 1 · 5.0 kB" });
  });
});
