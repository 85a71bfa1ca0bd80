import { useEffect, useRef } from 'react';
import { useReview } from './review-store';
import { player } from './player';
import { drawTimeline, LABEL_W, TIMELINE_H } from './timeline-draw';

/** The case timeline: trends, alarms, devices, gaps, team markers and reviewer comments; click or drag to seek, wheel to zoom. */
export function ReviewTimeline() {
  const canvas = useRef<HTMLCanvasElement>(null);
  // A ref, not a local: the cursor re-renders this 10 times a second, and a drag must outlive those renders.
  const dragging = useRef(false);
  const overview = useReview((s) => s.overview);
  const comments = useReview((s) => s.comments);
  const view = useReview((s) => s.view);
  const tMs = useReview((s) => s.tMs);
  useEffect(() => {
    if (canvas.current && view) void player.loadOverview(canvas.current.clientWidth - LABEL_W);
  }, [view]);
  useEffect(() => {
    if (canvas.current && overview && view) drawTimeline(canvas.current, overview, comments?.comments ?? [], view);
  }, [overview, comments, view]);
  if (!view) return null;
  const tAt = (clientX: number) => {
    const r = canvas.current!.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - r.left - LABEL_W) / (r.width - LABEL_W)));
    return view.fromMs + f * (view.toMs - view.fromMs);
  };
  const cursorLeft = `calc(${LABEL_W}px + (100% - ${LABEL_W}px) * ${Math.min(1, Math.max(0, (tMs - view.fromMs) / (view.toMs - view.fromMs)))})`;
  return (
    <div className="review-timeline" data-testid="review-timeline" style={{ height: TIMELINE_H }}>
      <canvas
        ref={canvas}
        className="review-timeline-canvas"
        data-testid="review-timeline-canvas"
        data-complete={overview?.complete ? 'true' : 'false'}
        onMouseDown={(e) => {
          dragging.current = true;
          void player.seek(tAt(e.clientX));
        }}
        onMouseMove={(e) => {
          if (dragging.current && e.buttons & 1) void player.seek(tAt(e.clientX));
        }}
        onMouseUp={() => (dragging.current = false)}
        onWheel={(e) => player.zoom(e.deltaY > 0 ? 2 : 0.5)}
      />
      <div className="review-cursor" style={{ left: cursorLeft }} />
    </div>
  );
}
