import type { FindingReport } from "./bindings/FindingReport";
import type { Severity } from "./bindings/Severity";
import { RANK } from "./severity";

/** What a finding card needs; layer findings add where the file is. */
export type Groupable = FindingReport & { path?: string | null; vendor?: boolean; layer_index?: number | null };

/** One rule's findings on a subject, as the pages show them. */
export interface Group<T extends Groupable> {
  rule: string;
  title: string;
  /** Worst severity of its findings not suppressed (else of all). */
  severity: Severity;
  /** Points of the score due to the rule. */
  points: number;
  /** Its findings: the application's own files first, then vendor code. */
  items: T[];
  /** Folders its files are in (0 for findings of a configuration). */
  folders: number;
  /** How many of its findings the user suppressed. */
  suppressed: number;
}

/**
 * Findings grouped by rule, worst first (severity, then points): a
 * thousand copies of one finding read as one line with a count.
 */
export function byRule<T extends Groupable>(findings: T[]): Group<T>[] {
  const groups = new Map<string, Group<T>>();
  for (const f of findings) {
    let g = groups.get(f.rule);
    if (!g) {
      g = { rule: f.rule, title: f.title, severity: f.severity, points: 0, items: [], folders: 0, suppressed: 0 };
      groups.set(f.rule, g);
    }
    g.points += f.points;
    if (f.suppressed_reason !== null) g.suppressed++;
    g.items.push(f);
  }
  for (const g of groups.values()) {
    const open = g.items.filter((f) => f.suppressed_reason === null);
    g.severity = (open.length ? open : g.items).reduce((w, f) => (RANK[f.severity] > RANK[w] ? f.severity : w), "info" as Severity);
    g.items.sort(
      (a, b) =>
        Number(a.vendor ?? false) - Number(b.vendor ?? false) ||
        RANK[b.severity] - RANK[a.severity] ||
        (a.path ?? "").localeCompare(b.path ?? ""),
    );
    const dirs = new Set(g.items.map((f) => f.path).filter((p): p is string => !!p).map((p) => p.slice(0, p.lastIndexOf("/")) || "/"));
    g.folders = dirs.size;
  }
  return [...groups.values()].sort((a, b) => RANK[b.severity] - RANK[a.severity] || b.points - a.points || a.rule.localeCompare(b.rule));
}

/** "14 files in 3 folders", "2 places", or "" for one finding. */
export function placesLabel(g: Group<Groupable>): string {
  const n = g.items.length;
  if (n === 1) return "";
  if (g.folders > 1) return `${n} files in ${g.folders} folders`;
  if (g.folders === 1) return `${n} files in 1 folder`;
  return `${n} places`;
}
