import { describe, expect, it } from "vitest";
import { codeParts } from "./text";

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
