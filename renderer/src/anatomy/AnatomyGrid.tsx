/**
 * The 3D view and the three slice views in a 2x2 grid (double-click maximises one; the parent's
 * `.anat.has-max` shows only the maximised cell), and the 3D preset and window selectors: the
 * parts of the anatomy panel the live display (AnatomyView) and the review screen share.
 */
import { useEffect, useRef } from 'react';
import { WINDOW_PRESETS } from '../../../common/geometry';
import type { AnatomyViews, ViewName } from './anatomy-views';
import { PRESETS } from './transfer';

export function AnatomyGrid({ views, maximised, empty }: { views: AnatomyViews; maximised: ViewName | null; empty: string | null }) {
  const volRef = useRef<HTMLDivElement>(null);
  const axRef = useRef<HTMLDivElement>(null);
  const coRef = useRef<HTMLDivElement>(null);
  const saRef = useRef<HTMLDivElement>(null);
  useEffect(() => views.attach(volRef.current!, { axial: axRef.current!, coronal: coRef.current!, sagittal: saRef.current! }), [views]);
  const cell = (which: ViewName) => `anat-cell cell-${which}${maximised === which ? ' maximised' : ''}`;
  return (
    <div className="anat-grid">
      <div className={cell('volume')} ref={volRef} data-testid="volume-view" onDoubleClick={() => views.toggleMaximise('volume')} />
      <div className={cell('axial')} ref={axRef} />
      <div className={cell('coronal')} ref={coRef} />
      <div className={cell('sagittal')} ref={saRef} />
      {empty ? <div className="anatomy-empty">{empty}</div> : null}
    </div>
  );
}

/** The 3D preset and the window (centre / width) selectors. */
export function ViewSelects(p: { preset: string; window: [number, number]; onPreset(id: string): void; onWindow(c: number, w: number): void }) {
  const winPreset = Object.entries(WINDOW_PRESETS).find(([, w]) => w[0] === p.window[0] && w[1] === p.window[1])?.[0] ?? '';
  return (
    <>
      <select value={p.preset} onChange={(e) => p.onPreset(e.target.value)} data-testid="preset-3d" aria-label="3D preset">
        {PRESETS.map((x) => (
          <option key={x.id} value={x.id}>
            {x.label}
          </option>
        ))}
      </select>
      <select
        value={winPreset}
        onChange={(e) => e.target.value && p.onWindow(...WINDOW_PRESETS[e.target.value])}
        data-testid="window-preset"
        aria-label="Window preset"
      >
        <option value="">
          W {Math.round(p.window[1])} / L {Math.round(p.window[0])}
        </option>
        {Object.keys(WINDOW_PRESETS).map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </>
  );
}
