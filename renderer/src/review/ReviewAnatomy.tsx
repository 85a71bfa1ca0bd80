/**
 * The review screen's anatomy panel: the live display's 3D and slice views (anatomy/AnatomyGrid)
 * showing the series that was loaded at the instant shown, with the instrument where the recorded
 * pose and registration put it; and, when the series is no longer where it was loaded from, a
 * panel to locate it by series UID in a folder on the hub or on a PACS.
 */
import { useEffect, useState } from 'react';
import { AnatomyGrid, ViewSelects } from '../anatomy/AnatomyGrid';
import { TRACKING_TEXT } from '../anatomy/navigation';
import { useReview } from './review-store';
import { reviewAnatomy, useReviewAnatomy } from './review-anatomy';

function LocatePanel() {
  const s = useReviewAnatomy((x) => x);
  const [folder, setFolder] = useState('');
  const [pacs, setPacs] = useState('');
  useEffect(() => void reviewAnatomy.loadSources(), []);
  return (
    <div className="review-locate" role="alert" data-testid="review-series-missing">
      <div data-testid="review-series-message">{s.message}</div>
      {s.found?.length ? (
        <ul className="review-found" data-testid="review-series-found">
          {s.found.map((f) => (
            <li key={f.seriesUid}>
              {f.seriesUid} {f.modality} {f.description}
            </li>
          ))}
        </ul>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void reviewAnatomy.locate(folder);
        }}
      >
        Locate series {s.seriesUid} in a folder:
        {s.sources?.roots.map((r) => (
          <button type="button" key={r.path} title={r.path} onClick={() => setFolder(r.path + '/')}>
            {r.label}
          </button>
        ))}
        <input
          data-testid="review-locate-folder"
          value={folder}
          placeholder="a folder inside the hub's DICOM roots"
          onChange={(e) => setFolder(e.target.value)}
        />
        <button type="submit" data-testid="review-locate-folder-go">
          Load from folder
        </button>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void reviewAnatomy.locateOnPacs(pacs);
        }}
      >
        or on a PACS:
        {s.sources?.pacs.map((p) => (
          <button type="button" key={p.url} title={p.url} onClick={() => setPacs(p.url)}>
            {p.label}
          </button>
        ))}
        <input data-testid="review-locate-pacs" value={pacs} placeholder="https://pacs/dicom-web" onChange={(e) => setPacs(e.target.value)} />
        <button type="submit" data-testid="review-locate-pacs-go">
          Search
        </button>
      </form>
    </div>
  );
}

/** The 3D navigation at the instant shown: the series that was loaded, the registration in force and the instrument where it was. */
export function ReviewAnatomy() {
  const instant = useReview((s) => s.instant);
  useEffect(() => reviewAnatomy.show(instant), [instant]);
  const a = useReviewAnatomy((x) => x);
  const series = instant?.series ?? null;
  const cover = !series
    ? 'No images were shown at this time'
    : a.status === 'loading'
      ? `Loading series ${series.seriesUid}… ${Math.round(a.progress * 100)}%`
      : a.status !== 'ready'
        ? 'The series shown at this time is not loaded'
        : null;
  return (
    <section className="anatomy review-anatomy" data-testid="review-anatomy" data-status={a.status} data-shown={a.status === 'ready' ? (a.shownId ?? '') : ''}>
      <div className="review-anatomy-head">
        {series ? (
          <span data-testid="review-series" data-series-uid={series.seriesUid} data-source={a.source ?? series.source ?? ''}>
            {series.modality ?? ''} {series.description ?? ''} · series {series.seriesUid} · from {a.source ?? series.source ?? '?'}
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
      {series && (a.status === 'missing' || a.status === 'error') ? <LocatePanel /> : null}
      <div className="review-anat-host">
        <div className={`anat${a.maximised ? ' has-max' : ''}`}>
          <div className="anat-bar">
            <ViewSelects
              preset={a.preset}
              window={a.window}
              onPreset={(id) => reviewAnatomy.views.setPreset(id)}
              onWindow={(c, w) => reviewAnatomy.views.setWindow(c, w)}
            />
            {a.tracking !== 'none' ? (
              <span className={`anat-tracking tracking-${a.tracking}`} data-testid="review-tracking" data-state={a.tracking}>
                {TRACKING_TEXT[a.tracking]}
              </span>
            ) : null}
          </div>
          <AnatomyGrid views={reviewAnatomy.views} maximised={a.maximised} empty={cover} />
        </div>
      </div>
      <div className="review-instrument" data-testid="review-instrument" data-tip={a.tip ? a.tip.map((v) => v.toFixed(2)).join(',') : ''}>
        {a.tip
          ? `Instrument tip (LPS mm): ${a.tip.map((v) => v.toFixed(1)).join(', ')} · quality ${a.quality?.toFixed(2) ?? '?'}`
          : 'No instrument position at this time'}
      </div>
    </section>
  );
}
