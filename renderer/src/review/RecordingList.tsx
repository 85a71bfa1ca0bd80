import { dateTime } from '../timeline/when';
import { useEffect, useState } from 'react';
import { callApi } from '../api';
import { useReview, reviewStore } from './review-store';

type Query = { from: string; to: string; room: string; procedure: string; member: string; marker: string; state: string };
const EMPTY: Query = { from: '', to: '', room: '', procedure: '', member: '', marker: '', state: '' };

async function search(q: Query): Promise<void> {
  const day = (d: string, end: boolean) => (d ? new Date(`${d}T${end ? '23:59:59.999' : '00:00:00'}`).toISOString() : undefined);
  try {
    const list = await callApi('reviewRecordings', {
      query: {
        from: day(q.from, false),
        to: day(q.to, true),
        room: q.room || undefined,
        procedure: q.procedure || undefined,
        member: q.member || undefined,
        marker: q.marker || undefined,
        state: (q.state || undefined) as 'created' | 'recording' | 'ended' | undefined,
      },
    });
    reviewStore.set({ list, listError: null });
  } catch (e) {
    reviewStore.set({ listError: (e as Error).message });
  }
}

const when = (ms: number | null) => (ms ? dateTime(ms) : '—');
const dur = (a: number | null, b: number) => (a ? `${Math.round((b - a) / 60000)} min` : '—');

/** Every recording, finished or running, with search by date, room, procedure, team member and marker kind. */
export function RecordingList() {
  const list = useReview((s) => s.list);
  const error = useReview((s) => s.listError);
  const [q, setQ] = useState<Query>(EMPTY);
  useEffect(() => void search(EMPTY), []);
  const field = (k: keyof Query, label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} value={q[k]} data-testid={`review-search-${k}`} onChange={(e) => setQ({ ...q, [k]: e.target.value })} />
    </label>
  );
  return (
    <div className="review-list" data-testid="review-list">
      <header className="top">
        <span className="brand">OR Hub · Review</span>
        <span>Recordings (finished and running). Opening one never changes it.</span>
      </header>
      <form
        className="review-search"
        onSubmit={(e) => {
          e.preventDefault();
          void search(q);
        }}
      >
        {field('from', 'From', 'date')}
        {field('to', 'To', 'date')}
        {field('room', 'Room')}
        {field('procedure', 'Procedure')}
        {field('member', 'Team member')}
        {field('marker', 'Marker kind')}
        <label>
          State
          <select value={q.state} onChange={(e) => setQ({ ...q, state: e.target.value })}>
            <option value="">any</option>
            <option value="recording">recording</option>
            <option value="ended">ended</option>
          </select>
        </label>
        <button type="submit" data-testid="review-search">
          Search
        </button>
      </form>
      {error ? <div className="review-error">{error}</div> : null}
      <table>
        <thead>
          <tr>
            <th>Started</th>
            <th>Duration</th>
            <th>Room</th>
            <th>Procedure</th>
            <th>Team</th>
            <th>Markers</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {(list?.entries ?? []).map((e) => (
            <tr key={e.id} data-testid="review-entry" data-case={e.id} onClick={() => (location.hash = `review&case=${encodeURIComponent(e.id)}`)}>
              <td>{when(e.startedMs ?? e.createdMs)}</td>
              <td>{dur(e.startedMs, e.lastMs)}</td>
              <td>{e.room}</td>
              <td>{e.procedure}</td>
              <td>{e.team.map((m) => `${m.name} (${m.role})`).join(', ')}</td>
              <td>
                {Object.entries(e.markerKinds)
                  .map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`)
                  .join(', ')}
              </td>
              <td className={`state-${e.state}`}>{e.state === 'recording' ? '● recording' : e.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list?.unreadable.length ? <div className="review-error">Unreadable: {list.unreadable.map((u) => `${u.file}: ${u.error}`).join('; ')}</div> : null}
    </div>
  );
}
