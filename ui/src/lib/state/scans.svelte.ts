import { SvelteMap } from "svelte/reactivity";
import type { AppError } from "../bindings/AppError";
import type { ImageScan } from "../bindings/ImageScan";
import type { ScanProgress } from "../bindings/ScanProgress";
import * as commands from "../commands";
import { asAppError } from "../api";

/** A layer scan under way. */
export interface Running {
  progress: ScanProgress | null;
}

/** Where "Scan all" is. */
export interface RunAll {
  index: number;
  total: number;
  current: string | null;
  summary: string | null;
}

/**
 * Layer scans in this session: the last result and the last error of each
 * image (by image ID), the scans under way with their progress, and "Scan
 * all". Reactive maps, so a page that shows an image re-renders when its
 * scan ends, whoever started it. (The scans are recorded in the database.)
 */
class Scans {
  readonly last = new SvelteMap<string, ImageScan>();
  readonly errors = new SvelteMap<string, AppError>();
  readonly running = new SvelteMap<string, Running>();
  all = $state<RunAll | null>(null);
  #stopAll = false;

  /** Scans one image; resolves to its scan, or null when it could not run. */
  async scan(image: string): Promise<ImageScan | null> {
    this.running.set(image, { progress: null });
    this.errors.delete(image);
    try {
      const result = await commands.scanImage(image, (p) => this.running.set(image, { progress: p }));
      this.last.set(image, result);
      return result;
    } catch (e) {
      this.errors.set(image, asAppError(e));
      return null;
    } finally {
      this.running.delete(image);
    }
  }

  /** Asks the running scan of `image` to stop (it is recorded as interrupted). */
  cancel(image: string): void {
    void commands.cancelScan(image);
  }

  /** Scans every image in turn, with a summary at the end. */
  async scanAll(images: string[]): Promise<void> {
    this.#stopAll = false;
    this.all = { index: 0, total: images.length, current: null, summary: null };
    let done = 0;
    let findings = 0;
    const failed: string[] = [];
    for (const [i, image] of images.entries()) {
      if (this.#stopAll) break;
      this.all = { ...this.all, index: i + 1, current: image };
      const scan = await this.scan(image);
      if (!scan) failed.push(`${image.slice(7, 19)}: ${this.errors.get(image)?.message ?? "failed"}`);
      else if (scan.error) failed.push(`${scan.image}: ${scan.error}`);
      else done++;
      findings += scan?.findings.length ?? 0;
    }
    const summary =
      `${done} of ${images.length} images scanned, ${findings} layer findings` +
      (this.#stopAll ? " · cancelled" : "") +
      (failed.length ? ` · ${failed.length} did not finish: ${failed.join("; ")}` : "");
    this.all = { index: images.length, total: images.length, current: null, summary };
  }

  /** Stops "Scan all" after cancelling the image under way. */
  cancelAll(): void {
    this.#stopAll = true;
    const current = this.all?.current;
    if (current) this.cancel(current);
  }

  get scanningAll(): boolean {
    return this.all !== null && this.all.current !== null;
  }
}

export const scans = new Scans();
