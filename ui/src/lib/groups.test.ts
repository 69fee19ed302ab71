import { describe, expect, it } from "vitest";
import { byRule, placesLabel, type Groupable } from "./groups";
import type { Severity } from "./bindings/Severity";

function f(rule: string, severity: Severity, points: number, path: string | null = null, vendor = false, suppressed = false): Groupable {
  return {
    fingerprint: `${rule}-${path}-${severity}`,
    rule,
    severity,
    title: `title ${rule}`,
    location: "",
    evidence: "",
    why: "",
    fix: "",
    references: [],
    points,
    suppressed_reason: suppressed ? "accepted" : null,
    suppressed_until: null,
    path,
    vendor,
  };
}

describe("byRule", () => {
  it("groups by rule, worst first, application files before vendor code", () => {
    const groups = byRule([
      f("generic", "medium", 1, "/usr/lib/x/a.py", true),
      f("key", "critical", 60, "/app/deploy.pem"),
      f("generic", "medium", 1, "/app/settings.py"),
      f("generic", "medium", 1, "/usr/lib/y/b.py", true),
      f("test-key", "info", 0, "/usr/lib/y/test/k.pem", true),
    ]);
    expect(groups.map((g) => g.rule)).toEqual(["key", "generic", "test-key"]);
    const generic = groups[1];
    expect(generic.items.map((i) => i.path)).toEqual(["/app/settings.py", "/usr/lib/x/a.py", "/usr/lib/y/b.py"]);
    expect(generic.points).toBe(3);
    expect(placesLabel(generic)).toBe("3 files in 3 folders");
    expect(placesLabel(groups[0])).toBe("");
  });

  it("takes the worst severity the user has not suppressed", () => {
    const [g] = byRule([f("r", "critical", 0, "/a", false, true), f("r", "low", 2, "/b")]);
    expect(g.severity).toBe("low");
    expect(g.suppressed).toBe(1);
  });
});
