/**
 * Timeline labels never overlap (issue 13 §3): each label goes in the first of `lanes` rows where
 * it does not touch the one before; a label with no free row is left out of the strip (its marker
 * stays, with the label on hover and tap). Pure.
 */
export interface LaneInput {
  /** Centre of the label, px from the strip's left. */
  xPx: number;
  /** Width the label needs, px. */
  widthPx: number;
}

/** For each input, its lane (0 = top), or -1 when it fits in no lane. */
export function assignLanes(labels: readonly LaneInput[], lanes: number, stripPx: number, gapPx = 6): number[] {
  const ends = new Array<number>(lanes).fill(-Infinity);
  const order = labels.map((l, i) => ({ ...l, i })).sort((a, b) => a.xPx - b.xPx);
  const out = new Array<number>(labels.length).fill(-1);
  for (const l of order) {
    // Kept inside the strip: a label at either end is shifted in, never cut.
    const left = Math.max(0, Math.min(stripPx - l.widthPx, l.xPx - l.widthPx / 2));
    const lane = ends.findIndex((e) => left >= e + gapPx);
    if (lane < 0) continue;
    ends[lane] = left + l.widthPx;
    out[l.i] = lane;
  }
  return out;
}

/** Where a label's left edge goes, px (the same clamping as assignLanes). */
export function labelLeftPx(l: LaneInput, stripPx: number): number {
  return Math.max(0, Math.min(stripPx - l.widthPx, l.xPx - l.widthPx / 2));
}
