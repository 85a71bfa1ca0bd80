import { useEffect, useRef, useState } from 'react';
import { invertRigid, patientBounds, type Vec3 } from '../../../common/geometry';
import type { VolumeGeometry } from '../../../common/volume';
import type { PacsSeriesView } from '../../../common/anatomy-contract';
import { callApi } from '../api';
import { instrumentInImage, LOW_QUALITY } from '../anatomy/navigation';
import { useReview, type InstantView } from './review-store';
import { player } from './player';

/** The navigated instrument's pose channel (as anatomy/controller.ts; not imported from there: that module starts the live anatomy). */
const INSTRUMENT_MDC = 'MDC_NAV_POSE_INSTRUMENT';

/** The instrument tip in the images (patient LPS, mm) at the instant shown, from the recorded pose and the registration in force. */
export function instrumentAt(instant: InstantView | null): { tip: Vec3; quality: number } | null {
  const reg = instant?.registration;
  const pose = instant?.poses.find((p) => player.mdc(p.deviceId, p.channel) === INSTRUMENT_MDC);
  if (!reg || !pose) return null;
  // The recorder stores image -> tracker (main/hub/anatomy-recording.ts); the navigation maths takes tracker -> image.
  return { tip: instrumentInImage(pose.matrix, invertRigid(reg.matrix)).tip, quality: pose.quality };
}

function geometryOf(detail: Record<string, unknown> | undefined): VolumeGeometry | null {
  const g = detail as Partial<VolumeGeometry> | undefined;
  return g?.dimensions && g.spacing && g.origin && g.direction ? (g as VolumeGeometry) : null;
}

/** Two projections of the volume's extent (axial: L-R x A-P; sagittal: A-P x S-I) with the instrument tip. */
function draw(canvas: HTMLCanvasElement, g: VolumeGeometry | null, tip: Vec3 | null, ok: boolean): void {
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#05080b';
  ctx.fillRect(0, 0, w, h);
  if (!g) return;
  const [lo, hi] = patientBounds(g);
  const panes: [number, number, string][] = [
    [0, 1, 'axial (L–R × A–P)'],
    [1, 2, 'sagittal (A–P × S–I)'],
  ];
  panes.forEach(([a, b, name], k) => {
    const px = (k * w) / 2 + 16;
    const pw = w / 2 - 32;
    const ph = h - 40;
    const s = Math.min(pw / (hi[a] - lo[a] || 1), ph / (hi[b] - lo[b] || 1));
    const ox = px + (pw - s * (hi[a] - lo[a])) / 2;
    const oy = 24 + (ph - s * (hi[b] - lo[b])) / 2;
    ctx.strokeStyle = '#4a5a6a';
    ctx.strokeRect(ox, oy, s * (hi[a] - lo[a]), s * (hi[b] - lo[b]));
    ctx.fillStyle = '#9aa4ae';
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText(name, px, 14);
    if (!tip) return;
    const x = ox + s * (tip[a] - lo[a]);
    const y = oy + s * (b === 2 ? hi[b] - tip[b] : tip[b] - lo[b]);
    ctx.fillStyle = ok ? '#39ff88' : '#ffb000';
    ctx.beginPath();
    ctx.arc(x, y, 6, 0, 2 * Math.PI);
    ctx.fill();
  });
}

/** The 3D navigation at the instant shown: the series that was loaded, the registration in force and the instrument where it was. */
export function ReviewAnatomy() {
  const instant = useReview((s) => s.instant);
  const canvas = useRef<HTMLCanvasElement>(null);
  const series = instant?.series ?? null;
  const geometry = geometryOf(series?.detail as Record<string, unknown> | undefined);
  const inst = instrumentAt(instant);
  useEffect(() => {
    if (canvas.current) draw(canvas.current, geometry, inst?.tip ?? null, (inst?.quality ?? 0) >= LOW_QUALITY);
  });
  const [pacs, setPacs] = useState('');
  const [found, setFound] = useState<PacsSeriesView[] | string | null>(null);
  const locate = async () => {
    try {
      const hits = await callApi('pacsSearch', { query: { url: pacs } });
      setFound(hits.filter((h) => h.seriesUid === series?.seriesUid));
    } catch (e) {
      setFound((e as Error).message);
    }
  };
  return (
    <section className="anatomy review-anatomy" data-testid="review-anatomy">
      <div className="review-anatomy-head">
        {series ? (
          <span data-testid="review-series" data-series-uid={series.seriesUid}>
            {series.modality ?? ''} {series.description ?? ''} · series {series.seriesUid} · from {series.source ?? '?'}
          </span>
        ) : (
          <span>No images were shown at this time</span>
        )}
        <span data-testid="review-registration">
          {instant?.registration
            ? `Registration in force: ${instant.registration.method ?? ''} FRE ${instant.registration.freMm?.toFixed(2) ?? '?'} mm`
            : 'Not registered'}
        </span>
      </div>
      {series && series.sourceAvailable === false && series.source !== 'demo' ? (
        <div className="review-locate" role="alert" data-testid="review-series-missing">
          The series is no longer at {series.source}. Locate it by series UID {series.seriesUid}: search a PACS
          <input value={pacs} placeholder="https://pacs/dicom-web" onChange={(e) => setPacs(e.target.value)} />
          <button onClick={() => void locate()}>Search</button>
          {typeof found === 'string' ? (
            <span className="review-error">{found}</span>
          ) : found ? (
            <span>{found.length ? `found: ${found[0].url}` : 'not on that PACS'}</span>
          ) : null}
        </div>
      ) : null}
      <canvas ref={canvas} className="review-anatomy-canvas" data-testid="review-anatomy-canvas" />
      <div className="review-instrument" data-testid="review-instrument" data-tip={inst ? inst.tip.map((v) => v.toFixed(2)).join(',') : ''}>
        {inst
          ? `Instrument tip (LPS mm): ${inst.tip.map((v) => v.toFixed(1)).join(', ')} · quality ${inst.quality.toFixed(2)}`
          : 'No instrument position at this time'}
      </div>
    </section>
  );
}
