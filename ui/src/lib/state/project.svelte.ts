import type { FixPreview } from "../bindings/FixPreview";
import type { Outcome } from "../bindings/Outcome";
import type { ProjectFinding } from "../bindings/ProjectFinding";
import type { ProjectReport } from "../bindings/ProjectReport";
import { projectCheck, projectFixApply, projectFixPreview, projectUndo, recentProjects } from "../commands";
import { Task } from "./task.svelte";

/**
 * The Projects page: a folder (typed, picked, or from the recent list),
 * its check, and fixes with preview → apply → undo. Applying sends the
 * preview's digest back, so only what was shown is written.
 */
export class Projects {
  recent = new Task<string[]>();
  report = new Task<ProjectReport>();
  preview = new Task<FixPreview>();
  applied = new Task<Outcome>();
  undone = new Task<Outcome>();

  dir = $state("");
  /** The rule the preview is for; null: every fixable finding. */
  rule = $state<string | null>(null);

  /** Findings grouped by file, in line order. */
  byFile = $derived.by(() => {
    const groups = new Map<string, ProjectFinding[]>();
    for (const f of this.report.value?.findings ?? []) {
      const list = groups.get(f.at.file) ?? [];
      list.push(f);
      groups.set(f.at.file, list);
    }
    return [...groups.entries()];
  });

  async loadRecent() {
    await this.recent.run(recentProjects);
  }

  async check(dir?: string) {
    if (dir !== undefined) this.dir = dir;
    const d = this.dir.trim();
    if (!d) return;
    this.preview.value = null;
    await this.report.run(() => projectCheck(d));
    await this.loadRecent();
  }

  async previewFix(rule: string | null) {
    this.rule = rule;
    this.applied.value = null;
    this.undone.value = null;
    await this.preview.run(() => projectFixPreview(this.dir.trim(), rule));
  }

  async apply() {
    const p = this.preview.value;
    if (!p) return;
    const done = await this.applied.run(() => projectFixApply(this.dir.trim(), this.rule, p.digest));
    if (done) {
      this.preview.value = null;
      await this.check();
    }
  }

  async undo() {
    const done = await this.undone.run(() => projectUndo(this.dir.trim()));
    if (done) {
      this.applied.value = null;
      await this.check();
    }
  }
}

export const projects = new Projects();
