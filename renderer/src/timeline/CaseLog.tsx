/**
 * The case log and one entry's details (issue 12 §4): every entry with its date when it is not
 * from today, and each version's who and when (GET /api/annotations: the annotation ledger of the
 * case, every create, edit and deletion); an entry's dialog edits or deletes it, keeping history.
 */
import { useEffect, useMemo, useState } from 'react';
import { useDisplay } from '../store';
import { callApi } from '../api';
import { hubClock } from '../hub-clock';
import { entryWhen } from './when';
import type { AnnotationView, AnnotationVersionView, PresetView, TeamMemberView } from '../../../common/case-contract';
import './case-log.css';

export function labelOf(m: { kind: string; text: string; data: Record<string, string | number> }, presets: readonly PresetView[]): string {
  if (m.kind === 'note') return m.text || 'Note';
  if (m.kind === 'bolus') return `${m.data.drug ?? 'Bolus'} ${m.data.dose ?? ''} ${m.data.unit ?? ''}`.trim();
  if (m.kind === 'blood-loss') return `Blood loss ${m.data.ml ?? ''} mL`;
  return presets.find((p) => p.kind === m.kind)?.label ?? m.kind;
}

/** When an entry is dated, with its date unless it is today, the day of the hub clock's now (when.ts). */
export const when = (tMs: number) => entryWhen(tMs, hubClock.wallNow());

const VERB = { create: 'entered', edit: 'edited', delete: 'deleted' } as const;

/** One version's who and when: "v2 edited by Dr A (surgeon) at 3 Dec 23:41:07". */
function versionLine(v: AnnotationView): string {
  return `v${v.version} ${VERB[v.action]} by ${v.name} (${v.role}) at ${when(v.recordedMs)}`;
}

export function EntryDialog({ entry, me, onClose }: { entry: AnnotationView; me: TeamMemberView | null; onClose: () => void }) {
  const presets = useDisplay((s) => s.presets);
  const [history, setHistory] = useState<AnnotationView[]>([]);
  const [text, setText] = useState(entry.text);
  const [shiftMin, setShiftMin] = useState('0');
  const [error, setError] = useState('');
  useEffect(() => {
    callApi('annotationHistory', { params: { entryId: entry.entryId } }).then(setHistory, (e: Error) => setError(e.message));
  }, [entry]);
  const act = async (call: () => Promise<unknown>) => {
    try {
      await call();
      onClose();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const who = me ?? { role: 'unknown', name: '' };
  const params = { entryId: entry.entryId };
  return (
    <div className="dialog-backdrop">
      <div className="dialog" data-testid="entry-dialog">
        <h2>{labelOf(entry, presets)}</h2>
        <div className="entry-meta">
          {when(entry.tMs)} · {entry.name} ({entry.role}) · version {entry.version}
        </div>
        {entry.action !== 'delete' ? (
          <>
            <label>
              Text <input value={text} onChange={(e) => setText(e.target.value)} data-testid="entry-text" />
            </label>
            <label>
              Move time by (min, − earlier){' '}
              <input value={shiftMin} onChange={(e) => setShiftMin(e.target.value)} inputMode="numeric" data-testid="entry-shift" />
            </label>
          </>
        ) : (
          <div className="entry-deleted">Deleted</div>
        )}
        <h3>History</h3>
        <ol className="history" data-testid="entry-history">
          {history.map((h) => (
            <li key={h.seq}>
              v{h.version} {h.action} {when(h.tMs)} “{h.text}” by {h.name} ({h.role}) at {when(h.recordedMs)}
            </li>
          ))}
        </ol>
        {error ? <div className="dialog-error">{error}</div> : null}
        <div className="dialog-buttons">
          <button onClick={onClose}>Close</button>
          {entry.action !== 'delete' ? (
            <>
              <button
                className="danger"
                data-testid="entry-delete"
                onClick={() => void act(() => callApi('annotationDelete', { params, body: { role: who.role, name: who.name, reason: 'deleted on display' } }))}
              >
                Delete
              </button>
              <button
                className="primary"
                data-testid="entry-save"
                onClick={() => {
                  const patch = { text, tMs: entry.tMs + (Number(shiftMin) || 0) * 60000 };
                  void act(() => callApi('annotationEdit', { params, body: { role: who.role, name: who.name, patch } }));
                }}
              >
                Save edit
              </button>
            </>
          ) : null}
        </div>
      </div>
    </div>
  );
}

/** The case log: entries by time, each with its versions' who and when. */
export function CaseLog({ markers, onOpen, onClose }: { markers: readonly AnnotationView[]; onOpen: (m: AnnotationView) => void; onClose: () => void }) {
  const presets = useDisplay((s) => s.presets);
  const [versions, setVersions] = useState<AnnotationVersionView[]>([]);
  const [error, setError] = useState('');
  // Fetched again whenever the timeline changes (an edit on another display, too).
  useEffect(() => {
    callApi('annotationVersions').then(setVersions, (e: Error) => setError(`edit history not available: ${e.message}`));
  }, [markers]);
  const byEntry = useMemo(() => {
    const m = new Map<string, AnnotationVersionView[]>();
    for (const v of versions) m.set(v.entryId, [...(m.get(v.entryId) ?? []), v]);
    return m;
  }, [versions]);
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog" data-testid="entries" onClick={(e) => e.stopPropagation()}>
        <h2>Case log</h2>
        {error ? <div className="dialog-error">{error}</div> : null}
        <div className="entries">
          {[...markers]
            .sort((a, b) => a.tMs - b.tMs)
            .map((m) => (
              <button key={m.entryId} className="entry" data-testid="entry" data-kind={m.kind} data-entry={m.entryId} onClick={() => onOpen(m)}>
                <span data-testid="entry-when">{when(m.tMs)}</span>
                <span>{labelOf(m, presets)}</span>
                <span className="entry-who">
                  {m.name}
                  {m.version > 1 ? ` · edited (v${m.version})` : ''}
                </span>
                <span className="entry-versions" data-testid="entry-versions">
                  {(byEntry.get(m.entryId) ?? []).map(versionLine).join(' · ')}
                </span>
              </button>
            ))}
        </div>
        <div className="dialog-buttons">
          <button onClick={onClose}>Close</button>
        </div>
      </div>
    </div>
  );
}
