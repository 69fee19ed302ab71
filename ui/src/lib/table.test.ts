import { describe, expect, it } from "vitest";
import { filterRows, sortRows, type Row } from "./table";
import { worst } from "./severity";

function row(name: string, score: number, counts: Partial<Row["counts"]>, rule = "container.root-user"): Row {
  return {
    kind: "container",
    id: `abc${name}`,
    name,
    detail: `${name}-image:1`,
    state: "created",
    score,
    counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0, ...counts },
    findings: [
      {
        fingerprint: name,
        rule,
        severity: "medium",
        title: "Runs as root",
        location: "Config.User",
        evidence: "User: (none)",
        why: "",
        fix: "",
        references: [],
        points: 10,
        suppressed_reason: null,
        suppressed_until: null,
      },
    ],
  };
}

const rows = [row("web", 13, { medium: 1 }), row("db", 91, { critical: 2 }, "container.privileged"), row("cache", 3, { low: 1 })];

describe("filterRows", () => {
  it("keeps rows at or above the minimum severity", () => {
    expect(filterRows(rows, "", "critical").map((r) => r.name)).toEqual(["db"]);
    expect(filterRows(rows, "", "medium").map((r) => r.name)).toEqual(["web", "db"]);
    expect(filterRows(rows, "", "all")).toHaveLength(3);
  });

  it("searches names, images, ids and rules", () => {
    expect(filterRows(rows, "CACHE", "all").map((r) => r.name)).toEqual(["cache"]);
    expect(filterRows(rows, "db-image", "all").map((r) => r.name)).toEqual(["db"]);
    expect(filterRows(rows, "abcweb", "all").map((r) => r.name)).toEqual(["web"]);
    expect(filterRows(rows, "privileged", "all").map((r) => r.name)).toEqual(["db"]);
    expect(filterRows(rows, "nothing-like-this", "all")).toEqual([]);
  });
});

describe("sortRows", () => {
  it("sorts by score both ways without mutating", () => {
    expect(sortRows(rows, "score", "desc").map((r) => r.name)).toEqual(["db", "web", "cache"]);
    expect(sortRows(rows, "score", "asc").map((r) => r.name)).toEqual(["cache", "web", "db"]);
    expect(rows.map((r) => r.name)).toEqual(["web", "db", "cache"]);
  });

  it("sorts by a severity count and by name", () => {
    expect(sortRows(rows, "critical", "desc")[0].name).toBe("db");
    expect(sortRows(rows, "name", "asc").map((r) => r.name)).toEqual(["cache", "db", "web"]);
  });
});

describe("worst", () => {
  it("finds the most severe non-empty level", () => {
    expect(worst({ critical: 0, high: 0, medium: 2, low: 5, info: 1 })).toBe("medium");
    expect(worst({ critical: 0, high: 0, medium: 0, low: 0, info: 0 })).toBeNull();
  });
});
