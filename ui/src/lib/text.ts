/**
 * Splits catalogue text on backticks: even-indexed parts are prose, odd ones
 * are code (`docker run --cap-drop ALL`). An unmatched backtick stays prose.
 */
export function codeParts(text: string): { code: boolean; text: string }[] {
  const parts = text.split("`");
  if (parts.length % 2 === 0) return [{ code: false, text }];
  return parts.map((t, i) => ({ code: i % 2 === 1, text: t })).filter((p) => p.text !== "");
}

/** Bytes in decimal units: "812 B", "4.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = bytes / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Where a layer scan is, for its progress bar. */
export interface ScanState {
  bytes: number;
  total_bytes: number;
  layer: number;
  layers: number;
  done: boolean;
}

/**
 * Percentage for the bar (0–99 while running: the engine's size is an
 * estimate of what the export streams) and a label with layer i/n and bytes.
 */
export function progressOf(p: ScanState): { percent: number; label: string } {
  const percent = p.done ? 100 : p.total_bytes > 0 ? Math.min(99, Math.floor((100 * p.bytes) / p.total_bytes)) : 0;
  const layer = p.layers > 0 ? `layer ${Math.min(p.layer, p.layers)}/${p.layers}` : `layer ${p.layer}`;
  const bytes = p.total_bytes > 0 ? `${formatBytes(p.bytes)} of ~${formatBytes(p.total_bytes)}` : formatBytes(p.bytes);
  return { percent, label: `${layer} · ${bytes}` };
}
