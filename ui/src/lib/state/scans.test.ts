import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ImageScan } from "../bindings/ImageScan";
import type { ScanProgress } from "../bindings/ScanProgress";

// The window's IPC, replaced: each call to scanImage is resolved by the test.
const calls: { image: string; progress: (p: ScanProgress) => void; resolve: (s: ImageScan) => void; reject: (e: unknown) => void }[] = [];
const cancelled: string[] = [];
vi.mock("../commands", () => ({
  scanImage: (image: string, progress: (p: ScanProgress) => void) =>
    new Promise<ImageScan>((resolve, reject) => calls.push({ image, progress, resolve, reject })),
  cancelScan: (image: string) => {
    cancelled.push(image);
    return Promise.resolve(true);
  },
}));
vi.mock("@tauri-apps/plugin-dialog", () => ({ save: () => Promise.resolve(null) }));

const { scans } = await import("./scans.svelte");
const { Task } = await import("./task.svelte");

function result(image: string, findings = 0, error: string | null = null): ImageScan {
  return { image, findings: new Array(findings).fill({}), error } as unknown as ImageScan;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  calls.length = 0;
  cancelled.length = 0;
  scans.last.clear();
  scans.errors.clear();
});

describe("scans", () => {
  it("keeps the last scan of each image and its progress while it runs", async () => {
    const done = scans.scan("sha256:a");
    expect(scans.running.has("sha256:a")).toBe(true);
    calls[0].progress({ image: "sha256:a", bytes: 5, total_bytes: 10, layer: 1, layers: 2, done: false });
    expect(scans.running.get("sha256:a")?.progress?.bytes).toBe(5);
    calls[0].resolve(result("a:1", 2));
    await done;
    expect(scans.running.has("sha256:a")).toBe(false);
    expect(scans.last.get("sha256:a")?.image).toBe("a:1");
  });

  it("records an error per image and keeps the previous result", async () => {
    scans.last.set("sha256:b", result("b:1"));
    const done = scans.scan("sha256:b");
    calls[0].reject({ kind: "scan", message: "the engine has no image b" });
    expect(await done).toBeNull();
    expect(scans.errors.get("sha256:b")?.message).toContain("no image b");
    expect(scans.last.get("sha256:b")?.image).toBe("b:1");
  });

  it("scans all in turn, stops on cancel and sums up", async () => {
    const all = scans.scanAll(["sha256:1111111111111111", "sha256:2222222222222222", "sha256:3333333333333333"]);
    await tick();
    expect(scans.all?.index).toBe(1);
    calls[0].resolve(result("one:1", 3));
    await tick();
    expect(scans.all?.index).toBe(2);
    scans.cancelAll();
    expect(cancelled).toEqual(["sha256:2222222222222222"]);
    calls[1].resolve(result("two:1", 0, "the scan was cancelled"));
    await all;
    expect(calls.length).toBe(2);
    expect(scans.all?.summary).toContain("1 of 3 images scanned, 3 layer findings · cancelled");
    expect(scans.all?.summary).toContain("two:1: the scan was cancelled");
    expect(scans.scanningAll).toBe(false);
  });
});

describe("Task", () => {
  it("tracks busy, clears the error on a new run and keeps the value on failure", async () => {
    const t = new Task<number>();
    const first = t.run(() => Promise.resolve(1));
    expect(t.busy).toBe(true);
    expect(await first).toBe(1);
    expect(t.busy).toBe(false);
    expect(await t.run(() => Promise.reject({ kind: "invalid", message: "no" }))).toBeNull();
    expect(t.error?.message).toBe("no");
    expect(t.value).toBe(1);
    await t.run(() => Promise.resolve(2));
    expect(t.error).toBeNull();
    expect(t.value).toBe(2);
  });
});
