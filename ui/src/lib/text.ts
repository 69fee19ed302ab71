/**
 * Splits catalogue text on backticks: even-indexed parts are prose, odd ones
 * are code (`docker run --cap-drop ALL`). An unmatched backtick stays prose.
 */
export function codeParts(text: string): { code: boolean; text: string }[] {
  const parts = text.split("`");
  if (parts.length % 2 === 0) return [{ code: false, text }];
  return parts.map((t, i) => ({ code: i % 2 === 1, text: t })).filter((p) => p.text !== "");
}
