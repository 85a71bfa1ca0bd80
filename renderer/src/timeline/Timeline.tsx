import { useEffect, useMemo, useState } from 'react';
import { useDisplay } from '../store';
import { callApi } from '../api';
import { hubClock } from '../hub-clock';
import { assignLanes, labelLeftPx } from './label-lanes';

const LABEL_LANES = 2;
const LABEL_LANE_PX = 17;
/** Width of one character of a 13 px DejaVu Sans label, generous (px). */
const LABEL_CHAR_PX = 8;
import { shortcutOf } from './shortcuts';
import { MemberSelect, useMe } from './CaseBar';
import type { AnnotationRequest, AnnotationView } from '../../../common/case-contract';
import { CaseLog, EntryDialog, labelOf, when } from './CaseLog';
import { timeOfDay } from './when';
import { PRIORITY_COLOR } from '../alarm-view';
import { useConfirmSheet } from '../components/ConfirmSheet';

const WHEN_CHOICES = [0, 1, 2, 5, 10, 15];

type Toast = { text: string; kind: 'pending' | 'ok' | 'error' } | null;

function FormDialog({
  kind,
  onSubmit,
  onClose,
}: {
  kind: 'note' | 'bolus' | 'blood-loss';
  onSubmit: (r: Partial<AnnotationRequest>) => void;
  onClose: () => void;
}) {
  const [text, setText] = useState('');
  const [drug, setDrug] = useState('');
  const [dose, setDose] = useState('');
  const [unit, setUnit] = useState('mg');
  const [ml, setMl] = useState('');
  const valid = kind === 'note' ? text.trim() !== '' : kind === 'bolus' ? drug.trim() !== '' && Number(dose) > 0 : Number(ml) > 0;
  return (
    <div className="dialog-backdrop">
      <div className="dialog" data-testid={`dialog-${kind}`}>
        <h2>{kind === 'note' ? 'Note' : kind === 'bolus' ? 'Drug bolus' : 'Blood loss'}</h2>
        {kind === 'note' ? <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} autoFocus data-testid="note-text" /> : null}
        {kind === 'bolus' ? (
          <>
            <label>
              Drug <input value={drug} onChange={(e) => setDrug(e.target.value)} autoFocus data-testid="bolus-drug" />
            </label>
            <label>
              Dose <input value={dose} onChange={(e) => setDose(e.target.value)} inputMode="decimal" data-testid="bolus-dose" />
            </label>
            <label>
              Unit
              <select value={unit} onChange={(e) => setUnit(e.target.value)} data-testid="bolus-unit">
                {['mg', 'ug', 'g', 'mL', '[iU]', 'mmol'].map((u) => (
                  <option key={u} value={u}>
                    {u === 'ug' ? 'µg' : u === '[iU]' ? 'IU' : u}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
        {kind === 'blood-loss' ? (
          <label>
            mL <input value={ml} onChange={(e) => setMl(e.target.value)} inputMode="numeric" autoFocus data-testid="blood-ml" />
          </label>
        ) : null}
        <div className="dialog-buttons">
          <button onClick={onClose}>Cancel</button>
          <button
            className="primary"
            disabled={!valid}
            data-testid="dialog-save"
            onClick={() => onSubmit(kind === 'note' ? { text } : kind === 'bolus' ? { drug, dose: Number(dose), unit } : { bloodLossMl: Number(ml) })}
          >
            Save
          </button>
        </div>
      </div>
    </div>
  );
}

/** Marker labels under the strip, stacked in lanes so that none overlaps another (label-lanes.ts). */
function StripLabels({ markers, onOpen }: { markers: { m: AnnotationView; text: string; x: number }[]; onOpen: (m: AnnotationView) => void }) {
  const stripPx = Math.max(1, window.innerWidth - 16);
  const items = markers.map((k) => ({ ...k, in: { xPx: k.x * stripPx, widthPx: k.text.length * LABEL_CHAR_PX + 8 } }));
  const lanes = assignLanes(
    items.map((k) => k.in),
    LABEL_LANES,
    stripPx,
  );
  return (
    <div className="strip-labels" style={{ height: LABEL_LANES * LABEL_LANE_PX }} data-testid="strip-labels">
      {items.map((k, i) =>
        lanes[i] < 0 ? null : (
          <span
            key={k.m.entryId}
            className="strip-label"
            style={{ left: labelLeftPx(k.in, stripPx), top: lanes[i] * LABEL_LANE_PX, width: k.in.widthPx }}
            title={k.text}
            onClick={() => onOpen(k.m)}
          >
            {k.text}
          </span>
        ),
      )}
    </div>
  );
}

/** One-touch annotation buttons, the timeline strip of the case so far, and entry details. */
export function TimelinePanel() {
  const c = useDisplay((s) => s.caseView);
  const presets = useDisplay((s) => s.presets);
  const timeline = useDisplay((s) => s.timeline);
  const [me, setMe] = useMe(c?.team ?? [], c?.id);
  const [agoMin, setAgoMin] = useState(0);
  const [toast, setToast] = useState<Toast>(null);
  const [form, setForm] = useState<'note' | 'bolus' | 'blood-loss' | null>(null);
  const [open, setOpen] = useState<AnnotationView | null>(null);
  const [listOpen, setListOpen] = useState(false);
  const confirm = useConfirmSheet();

  const annotate = async (kind: string, extra: Partial<AnnotationRequest> = {}) => {
    if (!me) return setToast({ text: 'Choose who you are first', kind: 'error' });
    const label = labelOf(
      { kind, text: extra.text ?? '', data: { drug: extra.drug ?? '', dose: extra.dose ?? '', unit: extra.unit ?? '', ml: extra.bloodLossMl ?? '' } },
      presets,
    );
    setToast({ text: `${label}: saving…`, kind: 'pending' });
    try {
      const body = { kind, role: me.role, name: me.name, agoMs: agoMin * 60000 || undefined, ...extra };
      let ack;
      try {
        ack = await callApi('annotate', { body });
      } catch (e) {
        // A number above its usual limit: the hub records it only once the person has confirmed it (issue 12 §4).
        if ((e as { code?: string }).code !== 'REC_CONFIRM' || !(await confirm.ask(`${label}: confirm`, `${(e as Error).message}?`))) throw e;
        ack = await callApi('annotate', { body: { ...body, confirmed: true } });
      }
      setToast({ text: `${label} recorded at ${timeOfDay(ack.tMs)}`, kind: 'ok' });
      setAgoMin(0);
    } catch (e) {
      setToast({ text: `${label} NOT recorded: ${(e as Error).message}`, kind: 'error' });
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement)?.tagName === 'INPUT' || (e.target as HTMLElement)?.tagName === 'TEXTAREA') return;
      const sc = shortcutOf(e);
      const p = presets.find((x) => x.shortcut === sc);
      if (p) {
        e.preventDefault();
        if (!c || c.state !== 'recording') setToast({ text: `${p.label} not recorded: start a case first (Start case, top left)`, kind: 'error' });
        else void annotate(p.kind);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  useEffect(() => {
    if (toast?.kind !== 'ok') return;
    const t = setTimeout(() => setToast(null), 4000);
    return () => clearTimeout(t);
  }, [toast]);

  const markers = useMemo(() => (timeline?.markers ?? []).filter((m) => m.action !== 'delete'), [timeline]);
  if (!c || c.state !== 'recording') {
    return (
      <div className="timeline-panel empty" data-testid="timeline-panel">
        {toast ? (
          <span className={`toast toast-${toast.kind}`} data-testid="toast" data-kind={toast.kind} onClick={() => setToast(null)}>
            {toast.text}
          </span>
        ) : null}
      </div>
    );
  }
  const start = c.startedMs ?? c.createdMs;
  const end = Math.max(hubClock.now(), start + 60000);
  const x = (t: number) => Math.max(0, Math.min(1000, ((t - start) / (end - start)) * 1000));
  return (
    <div className="timeline-panel" data-testid="timeline-panel">
      <div className="annotate-row">
        <MemberSelect className="me" team={c.team} me={me} onChoose={setMe} testId="me" />
        <span className="when" data-testid="when">
          {WHEN_CHOICES.map((m) => (
            <button key={m} className={m === agoMin ? 'on' : ''} onClick={() => setAgoMin(m)} data-testid={`when-${m}`}>
              {m === 0 ? 'Now' : `−${m} min`}
            </button>
          ))}
        </span>
        {presets.map((p) => (
          <button key={p.kind} className="mark" onClick={() => void annotate(p.kind)} data-testid={`mark-${p.kind}`} title={p.shortcut}>
            {p.label}
            <small>{p.shortcut}</small>
          </button>
        ))}
        <button className="mark free" onClick={() => setForm('note')} data-testid="mark-note">
          Note
        </button>
        <button className="mark free" onClick={() => setForm('bolus')} data-testid="mark-bolus">
          Bolus
        </button>
        <button className="mark free" onClick={() => setForm('blood-loss')} data-testid="mark-blood-loss">
          Blood loss
        </button>
        <button className="mark free" onClick={() => setListOpen(true)} data-testid="open-entries">
          Log ({markers.length})
        </button>
        {toast ? (
          <span className={`toast toast-${toast.kind}`} data-testid="toast" data-kind={toast.kind}>
            {toast.text}
          </span>
        ) : null}
      </div>
      <svg className="strip" viewBox="0 0 1000 64" preserveAspectRatio="none" data-testid="timeline-strip">
        <rect x="0" y="0" width="1000" height="64" fill="#0d1117" />
        {(timeline?.gaps ?? []).map((g, i) => (
          <rect
            key={`g${i}`}
            className="gap"
            x={x(g.fromMs)}
            width={Math.max(1.5, x(g.toMs) - x(g.fromMs))}
            y="50"
            height="12"
            fill="#777"
            data-testid="timeline-gap"
          >
            <title>{`gap ${g.deviceId} ${((g.toMs - g.fromMs) / 1000).toFixed(1)} s (${g.reason})`}</title>
          </rect>
        ))}
        {(timeline?.alarms ?? []).map((a, i) => (
          <rect
            key={`a${i}`}
            x={x(a.fromMs)}
            width={Math.max(1.5, x(a.toMs ?? end) - x(a.fromMs))}
            y="38"
            height="10"
            fill={PRIORITY_COLOR[a.priority] ?? '#888'}
            data-testid="timeline-alarm"
          >
            <title>{`${a.text} (${a.deviceId})`}</title>
          </rect>
        ))}
        {markers.map((m) => (
          <g key={m.entryId} className="marker" onClick={() => setOpen(m)} data-testid="timeline-marker" data-kind={m.kind}>
            <line x1={x(m.tMs)} x2={x(m.tMs)} y1="0" y2="36" stroke="#4da3ff" strokeWidth="2" />
            <rect x={x(m.tMs) - 6} y="0" width="12" height="36" fill="transparent" />
            <title>{`${when(m.tMs)} ${labelOf(m, presets)} — ${m.name}`}</title>
          </g>
        ))}
      </svg>
      <StripLabels markers={markers.map((m) => ({ m, text: labelOf(m, presets), x: x(m.tMs) / 1000 }))} onOpen={setOpen} />
      {form ? (
        <FormDialog
          kind={form}
          onClose={() => setForm(null)}
          onSubmit={(extra) => {
            setForm(null);
            void annotate(form, extra);
          }}
        />
      ) : null}
      {open ? <EntryDialog entry={open} me={me} onClose={() => setOpen(null)} /> : null}
      {listOpen ? (
        <CaseLog
          markers={markers}
          onClose={() => setListOpen(false)}
          onOpen={(m) => {
            setListOpen(false);
            setOpen(m);
          }}
        />
      ) : null}
      {confirm.sheet}
    </div>
  );
}
