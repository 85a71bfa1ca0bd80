import { dateTime } from '../timeline/when';
import { useEffect, useState } from 'react';
import { callApi } from '../api';
import { useReview, reviewStore } from './review-store';
import { player } from './player';
import { SPEEDS } from './review-clock';
import { ReviewTimeline } from './ReviewTimeline';
import { ReviewMonitor, ReviewBanner } from './ReviewMonitor';
import { ReviewAnatomy } from './ReviewAnatomy';
import { getReviewAnatomy, reviewAnatomy } from './review-anatomy';
import { clock } from './timeline-draw';
import { RecordingList } from './RecordingList';
import { useReviewKeys } from './keys';
import './review.css';

function Controls() {
  const playing = useReview((s) => s.playing);
  const speed = useReview((s) => s.speed);
  const tMs = useReview((s) => s.tMs);
  const detail = useReview((s) => s.detail);
  const from = detail?.span.fromMs ?? 0;
  return (
    <div className="review-controls">
      <button data-testid="review-play" onClick={() => player.toggle()} title="space">
        {playing ? '❚❚ Pause' : '▶ Play'}
      </button>
      <button onClick={() => player.step(-1)} title="←">
        ◀ frame
      </button>
      <button onClick={() => player.step(1)} title="→">
        frame ▶
      </button>
      {SPEEDS.map((s) => (
        <button
          key={s}
          className={s === speed ? 'on' : ''}
          data-testid={`review-speed-${s}`}
          onClick={() => player.setSpeed(s)}
          title={s === 10 ? '0' : String(s)}
        >
          {s}x
        </button>
      ))}
      <button onClick={() => player.zoom(0.5)} title="+">
        zoom +
      </button>
      <button onClick={() => player.zoom(2)} title="-">
        zoom −
      </button>
      <span className="review-time" data-testid="review-time" data-t={Math.round(tMs)}>
        {clock(tMs, true)} <small>(+{fmtOffset(tMs - from)})</small>
      </span>
    </div>
  );
}

const fmtOffset = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

function Comments() {
  const comments = useReview((s) => s.comments);
  const [role, setRole] = useState('reviewer');
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = () =>
    player.addComment(text, role, name).then(
      () => (setText(''), setError(null)),
      (e: Error) => setError(e.message),
    );
  return (
    <div className="review-comments" data-testid="review-comments">
      <div className="review-comment-form">
        <b>Reviewer comment at the time shown</b>
        <input placeholder="role" value={role} onChange={(e) => setRole(e.target.value)} />
        <input placeholder="name" value={name} onChange={(e) => setName(e.target.value)} data-testid="review-comment-name" />
        <input className="wide" placeholder="comment" value={text} onChange={(e) => setText(e.target.value)} data-testid="review-comment-text" />
        <button onClick={() => void submit()} data-testid="review-comment-add">
          Add
        </button>
        {comments ? (
          <span className={comments.chain.ok ? 'chain-ok' : 'review-error'}>
            {comments.chain.ok ? `${comments.comments.length} comments, chain verified` : comments.chain.error}
          </span>
        ) : null}
        {error ? <span className="review-error">{error}</span> : null}
      </div>
      <ul>
        {(comments?.comments ?? []).slice(-3).map((c) => (
          <li key={c.seq}>
            <a onClick={() => void player.seek(c.tMs)}>{clock(c.tMs)}</a> {c.name} ({c.role}), {dateTime(c.recordedMs)}: {c.text}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Markers() {
  const markers = useReview((s) => s.overview?.markers) ?? [];
  return (
    <div className="review-markers" data-testid="review-markers">
      {markers
        .filter((m) => m.action !== 'delete')
        .map((m) => (
          <button
            key={m.entryId}
            data-testid={`review-marker-${m.kind}`}
            data-t={m.tMs}
            onClick={() => void player.seek(m.tMs)}
            title={`${m.name} (${m.role}) ${m.text}`}
          >
            {clock(m.tMs)} {m.kind}
          </button>
        ))}
    </div>
  );
}

function CaseReview({ id }: { id: string }) {
  const detail = useReview((s) => s.detail);
  const error = useReview((s) => s.error);
  useEffect(() => {
    void player.openCase(id);
    return () => player.close();
  }, [id]);
  useReviewKeys();
  return (
    <div className="app review-app" data-testid="review-case">
      <header className="top">
        <a className="brand" href="#review">
          OR Hub · Review
        </a>
        <span className="review-case-title">
          {detail ? `${detail.case.procedure} · ${detail.case.room} · ` + `${String(detail.case.state ?? '')}` : 'Opening…'}
        </span>
        <Controls />
      </header>
      {error ? <div className="conn-error">{error}</div> : null}
      <ReviewBanner />
      <main className="main">
        <div className="left">
          <ReviewMonitor />
        </div>
        <ReviewAnatomy />
      </main>
      <Markers />
      <ReviewTimeline />
      <Comments />
    </div>
  );
}

/** The review screen (`#review`, `#review&case=ID`): the recording list, or one case's timeline and replay. */
export function ReviewApp() {
  const [id, setId] = useState(() => new URLSearchParams(location.hash.slice(1)).get('case'));
  useEffect(() => {
    const on = () => setId(new URLSearchParams(location.hash.slice(1)).get('case'));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return id ? <CaseReview id={id} /> : <RecordingList />;
}

// Read-only hooks for end-to-end tests and the benchmark.
(window as unknown as { __orhubReview: unknown }).__orhubReview = {
  state: reviewStore.get,
  clock: player.clock,
  seek: (t: number) => player.seek(t),
  frames: () => player.frames,
  api: callApi,
  /** The review's anatomy panel: its state, the 3D view's statistics, the crosshair (patient LPS mm). */
  anatomy: {
    state: getReviewAnatomy,
    stats: () => reviewAnatomy.views.volumeView?.stats ?? null,
    crosshair: () => reviewAnatomy.views.getCrosshair(),
  },
};
