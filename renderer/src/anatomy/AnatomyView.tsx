/**
 * The anatomy panel beside the vitals: a toolbar (open, presets, window, follow, registration),
 * the 3D view and three slice views in a 2x2 grid (double-click maximises one), the tracking
 * status, and the fiducial registration panel.
 */
import { useEffect, useState } from 'react';
import { anatomy, getAnatomy, useAnatomy } from './controller';
import { AnatomyGrid, ViewSelects } from './AnatomyGrid';
import { TRACKING_TEXT } from './navigation';
import { measureFullFrame } from './volume/bench-frame';
import { AnatomyConfirm } from './AnatomyConfirm';
import './anatomy.css';

anatomy.start();
// Read-only hooks for end-to-end tests and benchmarks.
(window as unknown as { __orhubAnatomy: unknown }).__orhubAnatomy = {
  state: getAnatomy,
  stats: () => anatomy.volumeView?.stats ?? null,
  crosshair: () => anatomy.getCrosshair(),
  instrumentTip: () => anatomy.instrumentTip(),
  trackerTip: () => anatomy.trackerTip(),
  posesReceived: () => anatomy.posesReceived,
  /** Benchmark: one unbudgeted whole image (blocks the page). */
  measureFullFrame: (w: number, h: number, steps?: number) => (anatomy.volumeView ? measureFullFrame(anatomy.volumeView, w, h, steps) : Promise.resolve(null)),
  backend: () => (anatomy.volumeView ? { backend: anatomy.volumeView.backend, renderer: anatomy.volumeView.rendererName } : null),
};

interface DesktopApi {
  isDesktop: boolean;
  pickDicomFolder(): Promise<string | null>;
}
const desktop = (window as unknown as { orHubDesktop?: DesktopApi }).orHubDesktop;

function OpenPanel({ onClose }: { onClose: () => void }) {
  const [src, setSrc] = useState('');
  const pacs = useAnatomy((s) => s.pacs);
  const sources = useAnatomy((s) => s.sources);
  const isUrl = /^https?:\/\//i.test(src.trim());
  useEffect(() => void anatomy.loadSources(), []);
  return (
    <div className="anat-popover" data-testid="open-panel">
      {/* Only the folders and PACS the hub was started with (--dicom-root, --pacs) can be read. */}
      <div className="anat-sources" data-testid="dicom-sources">
        {sources && !sources.roots.length && !sources.pacs.length ? (
          <p>This hub reads no DICOM folders or PACS: start it with --dicom-root DIR or --pacs URL.</p>
        ) : null}
        {sources?.roots.map((r) => (
          <button key={r.path} title={r.path} onClick={() => setSrc(r.path + '/')}>
            Folder: {r.label}
          </button>
        ))}
        {sources?.pacs.map((p) => (
          <button key={p.url} title={p.url} onClick={() => (setSrc(p.url), void anatomy.searchPacs(p.url))}>
            PACS: {p.label}
          </button>
        ))}
      </div>
      {desktop?.isDesktop ? (
        <button
          onClick={async () => {
            const p = await desktop.pickDicomFolder();
            if (p) {
              void anatomy.openSource(p);
              onClose();
            }
          }}
        >
          Choose DICOM folder…
        </button>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!src.trim()) return;
          void anatomy.openSource(src.trim());
          onClose();
        }}
      >
        <input data-testid="open-source" value={src} onChange={(e) => setSrc(e.target.value)} placeholder="Folder on the hub, DICOMDIR, or DICOMweb URL" />
        <button type="submit">Open</button>
        <button type="button" disabled={!isUrl} onClick={() => void anatomy.searchPacs(src.trim())} title="QIDO-RS search at this DICOMweb URL">
          Search PACS
        </button>
      </form>
      {pacs ? (
        <ul className="pacs-list">
          {pacs.length === 0 ? <li>No series found.</li> : null}
          {pacs.map((s) => (
            <li key={s.url}>
              <button
                onClick={() => {
                  void anatomy.openSource(s.url);
                  onClose();
                }}
              >
                {s.modality ?? '?'} — {s.description || s.seriesUid}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="anat-popover-row">
        <button
          onClick={() => {
            void anatomy.openDemo();
            onClose();
          }}
        >
          Demo phantom
        </button>
        <button onClick={onClose}>Close</button>
      </div>
    </div>
  );
}

const fmt = (p?: number[]) => (p ? p.map((x) => x.toFixed(1)).join(', ') : '—');

const REGISTRATION_HELP =
  'For each fiducial: put the crosshair on it in the slices and press “Image”; touch it with the tracked pointer, ' +
  'hold still, and press “Pointer”. Three or more, spread out.';

function RegistrationPanel({ onClose }: { onClose: () => void }) {
  const fids = useAnatomy((s) => s.fiducials);
  const reg = useAnatomy((s) => s.registration);
  const complete = fids.filter((f) => f.image && f.tracker).length;
  return (
    <div className="anat-popover reg-panel" data-testid="registration-panel">
      <div className="reg-help">{REGISTRATION_HELP}</div>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>image (mm)</th>
            <th>tracker (mm)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {fids.map((f, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td>
                <button onClick={() => anatomy.setFiducialImage(i)} data-testid={`fiducial-${i + 1}-image`}>
                  Image
                </button>{' '}
                {fmt(f.image)}
              </td>
              <td>
                <button onClick={() => anatomy.captureFiducial(i)} data-testid={`fiducial-${i + 1}-pointer`}>
                  Pointer
                </button>{' '}
                {fmt(f.tracker)}
              </td>
              <td>
                <button onClick={() => anatomy.removeFiducial(i)} aria-label={`remove fiducial ${i + 1}`}>
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="anat-popover-row">
        <button onClick={() => anatomy.addFiducial()} data-testid="fiducial-add">
          Add fiducial
        </button>
        <button disabled={complete < 3} onClick={() => void anatomy.register()} data-testid="fiducial-register">
          Register ({complete})
        </button>
        {reg ? <button onClick={() => void anatomy.clearRegistration()}>Clear registration</button> : null}
        <button onClick={onClose}>Close</button>
      </div>
      {reg ? (
        <div className="reg-result" data-testid="registration-result">
          {reg.label}: FRE {reg.freMm.toFixed(2)} mm (per fiducial: {reg.residualsMm.map((r) => r.toFixed(2)).join(', ')})
        </div>
      ) : null}
    </div>
  );
}

function StatusLine() {
  const s = useAnatomy((x) => x);
  if (s.status === 'loading' || s.download !== null) {
    const p = s.status === 'loading' ? s.progress * 0.8 : 0.8 + (s.download ?? 0) * 0.2;
    return (
      <div className="anat-progress" data-testid="anatomy-progress">
        <div className="anat-progress-bar" style={{ width: `${Math.round(p * 100)}%` }} />
        <span>
          Loading {s.sourceLabel} — {s.status === 'loading' ? s.phase : 'to display'} {Math.round(p * 100)}%
        </span>
      </div>
    );
  }
  if (s.status === 'error')
    return (
      <div className="anat-error" data-testid="anatomy-error">
        {s.message}
      </div>
    );
  if (s.downloadError) return <div className="anat-error">{s.downloadError}</div>;
  return null;
}

function TrackingBanner() {
  const t = useAnatomy((s) => s.tracking);
  const reg = useAnatomy((s) => s.registration);
  if (t === 'none') return null;
  return (
    <div className={`anat-tracking tracking-${t}`} data-testid="tracking-status" data-state={t}>
      {TRACKING_TEXT[t]}
      {reg && t !== 'unregistered' ? <span className="anat-fre"> · FRE {reg.freMm.toFixed(2)} mm</span> : null}
    </div>
  );
}

export function AnatomyView() {
  const [panel, setPanel] = useState<'open' | 'register' | null>(null);
  const status = useAnatomy((s) => s.status);
  const meta = useAnatomy((s) => s.meta);
  const shown = useAnatomy((s) => s.shownId);
  const preset = useAnatomy((s) => s.preset);
  const win = useAnatomy((s) => s.window);
  const follow = useAnatomy((s) => s.follow);
  const maximised = useAnatomy((s) => s.maximised);
  const notice = useAnatomy((s) => s.notice);
  return (
    <div className={`anat${maximised ? ' has-max' : ''}`} data-testid="anatomy-view" data-status={status} data-shown={shown ?? ''}>
      <div className="anat-bar">
        <button onClick={() => setPanel(panel === 'open' ? null : 'open')} data-testid="anatomy-open">
          Open…
        </button>
        <ViewSelects preset={preset} window={win} onPreset={(id) => anatomy.views.setPreset(id)} onWindow={(c, w) => anatomy.views.setWindow(c, w)} />
        <label className="anat-check">
          <input type="checkbox" checked={follow} onChange={(e) => anatomy.setFollow(e.target.checked)} /> Follow tip
        </label>
        <button onClick={() => setPanel(panel === 'register' ? null : 'register')} data-testid="anatomy-register">
          Register…
        </button>
        <span className="anat-source" title={meta?.sourceLabel}>
          {meta ? `${meta.modality} ${meta.description}${meta.tiltDeg ? ` · tilt ${meta.tiltDeg.toFixed(1)}°` : ''}${meta.oblique ? ' · oblique' : ''}` : ''}
        </span>
      </div>
      <StatusLine />
      <TrackingBanner />
      {notice ? (
        <div className="anat-notice" data-testid="anatomy-notice">
          {notice}
        </div>
      ) : null}
      <AnatomyGrid views={anatomy.views} maximised={maximised} empty={status === 'none' ? 'No images loaded — Open… a DICOM series' : null} />
      {panel === 'open' ? <OpenPanel onClose={() => setPanel(null)} /> : null}
      {panel === 'register' ? <RegistrationPanel onClose={() => setPanel(null)} /> : null}
      <AnatomyConfirm />
    </div>
  );
}
