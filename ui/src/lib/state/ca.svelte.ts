import type { CaCertificate } from "../bindings/CaCertificate";
import type { Check } from "../bindings/Check";
import type { Detection } from "../bindings/Detection";
import type { Outcome } from "../bindings/Outcome";
import type { PlanPreview } from "../bindings/PlanPreview";
import { caApply, caDetect, caPlan, caReadCertificate, caUndo, caVerify } from "../commands";
import { Task } from "./task.svelte";

/**
 * The CA setup wizard's state: detect → choose a certificate → choose the
 * project folder → preview → apply → verify, with undo. Applying sends the
 * preview's digest back, so the backend writes only what was shown.
 */
export class CaWizard {
  detection = new Task<Detection>();
  fromFile = new Task<CaCertificate[]>();
  preview = new Task<PlanPreview>();
  applied = new Task<Outcome>();
  checks = new Task<Check[]>();
  undone = new Task<Outcome>();

  /** The chosen certificate's SHA-256. */
  chosen = $state<string | null>(null);
  dir = $state("");
  certPath = $state("");
  images = $state("");

  /** Every certificate on offer: detected ones, then those read from a file. */
  offered = $derived<CaCertificate[]>([
    ...(this.detection.value?.offered ?? []),
    ...(this.fromFile.value ?? []).filter((c) => !(this.detection.value?.offered ?? []).some((d) => d.sha256 === c.sha256)),
  ]);

  certificate = $derived<CaCertificate | null>(this.offered.find((c) => c.sha256 === this.chosen) ?? null);

  async detect() {
    const d = await this.detection.run(caDetect);
    if (d?.choice && !this.chosen) this.chosen = d.choice.sha256;
  }

  async readFile() {
    const certs = await this.fromFile.run(() => caReadCertificate(this.certPath.trim()));
    const corporate = certs?.find((c) => !c.public_root);
    if (corporate) this.chosen = corporate.sha256;
    this.clearPlan();
  }

  choose(sha256: string) {
    this.chosen = sha256;
    this.clearPlan();
  }

  clearPlan() {
    this.preview.value = null;
    this.applied.value = null;
    this.checks.value = null;
  }

  /** The preview of the chosen certificate in the chosen folder. */
  async plan() {
    const cert = this.certificate;
    if (!cert || !this.dir.trim()) return;
    this.applied.value = null;
    await this.preview.run(() => caPlan(this.dir.trim(), [cert]));
  }

  /** Applies the previewed plan, then verifies. */
  async apply() {
    const cert = this.certificate;
    const p = this.preview.value;
    if (!cert || !p) return;
    this.undone.value = null;
    const done = await this.applied.run(() => caApply(this.dir.trim(), [cert], p.digest));
    if (done) await this.verify();
  }

  async verify() {
    const images = this.images.split(/[\s,]+/).filter(Boolean);
    await this.checks.run(() => caVerify(this.dir.trim(), images));
  }

  async undo() {
    const done = await this.undone.run(() => caUndo(this.dir.trim()));
    if (done) {
      this.applied.value = null;
      this.checks.value = null;
      await this.plan();
    }
  }
}

export const caWizard = new CaWizard();
