import type { Severity } from "./bindings/Severity";
import type { SeverityCounts } from "./bindings/SeverityCounts";

/** Most severe first: the order of every count and badge in the UI. */
export const SEVERITIES: Severity[] = ["critical", "high", "medium", "low", "info"];

export const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/** The most severe level with at least one finding, or null. */
export function worst(counts: SeverityCounts): Severity | null {
  return SEVERITIES.find((s) => counts[s] > 0) ?? null;
}

/** Tailwind classes for a severity badge. */
export const BADGE: Record<Severity, string> = {
  critical: "bg-sev-critical/15 text-sev-critical ring-sev-critical/40",
  high: "bg-sev-high/15 text-sev-high ring-sev-high/40",
  medium: "bg-sev-medium/15 text-sev-medium ring-sev-medium/40",
  low: "bg-sev-low/15 text-sev-low ring-sev-low/40",
  info: "bg-sev-info/15 text-sev-info ring-sev-info/40",
};

export const BAR: Record<Severity, string> = {
  critical: "bg-sev-critical",
  high: "bg-sev-high",
  medium: "bg-sev-medium",
  low: "bg-sev-low",
  info: "bg-sev-info",
};

/** Colour class for a score: red from 70 (a critical finding), amber from 30. */
export function scoreClass(score: number): string {
  if (score >= 70) return "text-sev-critical";
  if (score >= 30) return "text-sev-high";
  if (score >= 10) return "text-sev-medium";
  return "text-emerald-400";
}
