import type { FindingReport } from "./bindings/FindingReport";
import type { Severity } from "./bindings/Severity";
import type { SeverityCounts } from "./bindings/SeverityCounts";
import { RANK, SEVERITIES, worst } from "./severity";

/** What the Images and Containers tables show: one subject per row. */
export interface Row {
  kind: "image" | "container";
  id: string;
  name: string;
  /** The image of a container, or the tags and ID of an image. */
  detail: string;
  state: string;
  score: number;
  counts: SeverityCounts;
  findings: FindingReport[];
  /** Images only: whether layer findings are part of the score yet. */
  layersScanned?: boolean;
}

export type SortKey = "score" | "name" | "detail" | Severity;
export type SortDir = "asc" | "desc";

/**
 * Rows matching a search (name, detail, ID prefix, rule id or title) and
 * having at least one finding at `minSeverity` or above ("all": no filter).
 */
export function filterRows<T extends Row>(rows: T[], query: string, minSeverity: Severity | "all"): T[] {
  const q = query.trim().toLowerCase();
  return rows.filter((r) => {
    if (minSeverity !== "all") {
      const w = worst(r.counts);
      if (w === null || RANK[w] < RANK[minSeverity]) return false;
    }
    if (!q) return true;
    return (
      r.name.toLowerCase().includes(q) ||
      r.detail.toLowerCase().includes(q) ||
      r.id.replace(/^sha256:/, "").startsWith(q) ||
      r.findings.some((f) => f.rule.includes(q) || f.title.toLowerCase().includes(q))
    );
  });
}

/** A sorted copy. Ties fall back to the name so the order is stable. */
export function sortRows<T extends Row>(rows: T[], key: SortKey, dir: SortDir): T[] {
  const sign = dir === "asc" ? 1 : -1;
  const value = (r: Row): number | string => {
    if (key === "score") return r.score;
    if (key === "name") return r.name.toLowerCase();
    if (key === "detail") return r.detail.toLowerCase();
    return r.counts[key];
  };
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va < vb) return -sign;
    if (va > vb) return sign;
    return a.name.localeCompare(b.name);
  });
}

/** Severity columns shown in tables (info never scores, so it is left out). */
export const COUNT_COLUMNS: Severity[] = SEVERITIES.filter((s) => s !== "info");
