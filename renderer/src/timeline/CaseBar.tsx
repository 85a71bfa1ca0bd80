/**
 * The case header (issue 13 §4): recording state, procedure, elapsed time, the patient's identity
 * at all times ("patient not identified" when none was entered), Start case and End case (with
 * confirmation; the hub records who ended it). Errors are written for people, not raw API text.
 */
import { useEffect, useState } from 'react';
import { useDisplay } from '../store';
import { callApi } from '../api';
import { hubClock } from '../hub-clock';
import type { CaseView, TeamMemberView } from '../../../common/case-contract';

/** A team member as this display remembers and lists it: "role/name". */
const memberKey = (t: TeamMemberView) => `${t.role}/${t.name}`;

/** Who annotates on this display in the case: the member chosen here last, else a nurse, else the first. */
export function savedMe(team: readonly TeamMemberView[], caseId: string): TeamMemberView | null {
  const saved = sessionStorage.getItem(`orhub-me-${caseId}`);
  return team.find((t) => memberKey(t) === saved) ?? team.find((t) => /nurse/.test(t.role)) ?? team[0] ?? null;
}

/** Who is annotating on this display: one of the case's team, remembered per case. */
export function useMe(team: readonly TeamMemberView[], caseId: string | undefined): [TeamMemberView | null, (m: TeamMemberView) => void] {
  const [me, setMe] = useState<TeamMemberView | null>(null);
  useEffect(() => {
    if (!caseId) return setMe(null);
    setMe(savedMe(team, caseId));
  }, [caseId, team]);
  return [
    me,
    (m) => {
      if (caseId) sessionStorage.setItem(`orhub-me-${caseId}`, memberKey(m));
      setMe(m);
    },
  ];
}

/** A choice of one of the case's team (who annotates, who ends the case). */
export function MemberSelect(props: {
  team: readonly TeamMemberView[];
  me: TeamMemberView | null;
  onChoose: (m: TeamMemberView) => void;
  testId: string;
  className?: string;
}) {
  const { team, me, onChoose, testId, className } = props;
  return (
    <select
      className={className}
      value={me ? memberKey(me) : ''}
      onChange={(e) => onChoose(team.find((t) => memberKey(t) === e.target.value)!)}
      data-testid={testId}
    >
      {team.map((t) => (
        <option key={memberKey(t)} value={memberKey(t)}>
          {t.name} ({t.role})
        </option>
      ))}
    </select>
  );
}

/** A start-case form's problem in words, before it is sent; null when it can go. */
export function startCaseProblem(procedure: string, team: readonly TeamMemberView[]): string | null {
  if (!procedure.trim()) return 'Enter the procedure.';
  if (!team.some((m) => m.name.trim())) return 'Add at least one team member.';
  return null;
}

/** What the hub's refusal of a start or end means, for the people in the room. */
export function humanCaseError(e: unknown, action: 'start' | 'end'): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/REC_CASE_ACTIVE|already active/i.test(m)) return 'A case is already running: end it first.';
  if (/REC_NO_CASE|no active case/i.test(m)) return 'There is no case running.';
  if (/team/i.test(m)) return 'Add at least one team member.';
  if (/procedure/i.test(m)) return 'Enter the procedure.';
  if (/REC_RESTARTING|restart/i.test(m)) return 'The recorder is restarting: try again in a few seconds.';
  if (/fetch|network|Failed/i.test(m)) return 'The hub cannot be reached: try again when the display is live.';
  return action === 'start'
    ? 'The case could not be started. Try again; if it keeps failing, call technical support.'
    : 'The case could not be ended. Try again.';
}

function StartCaseDialog({ onClose }: { onClose: () => void }) {
  const [procedure, setProcedure] = useState('');
  const [room, setRoom] = useState('OR 1');
  const [patientName, setPatientName] = useState('');
  const [patientId, setPatientId] = useState('');
  const [team, setTeam] = useState<TeamMemberView[]>([
    { role: 'surgeon', name: '' },
    { role: 'anaesthetist', name: '' },
    { role: 'scrub-nurse', name: '' },
    { role: 'circulating-nurse', name: '' },
  ]);
  const [error, setError] = useState('');
  const submit = async () => {
    const members = team.filter((m) => m.name.trim());
    const problem = startCaseProblem(procedure, members);
    if (problem) return setError(problem);
    const patient = patientName.trim() || patientId.trim() ? { name: patientName.trim() || undefined, identifier: patientId.trim() || undefined } : undefined;
    try {
      await callApi('caseStart', { body: { procedure, room, team: members, patient } });
      onClose();
    } catch (e) {
      setError(humanCaseError(e, 'start'));
    }
  };
  return (
    <div className="dialog-backdrop">
      <div className="dialog" data-testid="start-case-dialog">
        <h2>Start case</h2>
        <label>
          Procedure <input value={procedure} onChange={(e) => setProcedure(e.target.value)} data-testid="case-procedure" autoFocus />
        </label>
        <label>
          Room <input value={room} onChange={(e) => setRoom(e.target.value)} />
        </label>
        <h3>Patient (optional)</h3>
        <label>
          Name <input value={patientName} onChange={(e) => setPatientName(e.target.value)} data-testid="case-patient-name" />
        </label>
        <label>
          Patient ID <input value={patientId} onChange={(e) => setPatientId(e.target.value)} data-testid="case-patient-id" />
        </label>
        <h3>Team</h3>
        {team.map((m, i) => (
          <label key={m.role}>
            {m.role}
            <input
              value={m.name}
              onChange={(e) => setTeam(team.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))}
              data-testid={`case-team-${m.role}`}
            />
          </label>
        ))}
        {error ? (
          <div className="dialog-error" role="alert" data-testid="start-case-error">
            {error}
          </div>
        ) : null}
        <div className="dialog-buttons">
          <button onClick={onClose}>Cancel</button>
          <button className="primary" onClick={() => void submit()} data-testid="case-start">
            Start recording
          </button>
        </div>
      </div>
    </div>
  );
}

function EndCaseDialog({ c, onClose }: { c: CaseView; onClose: () => void }) {
  const [me, setMe] = useMe(c.team, c.id);
  const [error, setError] = useState('');
  const end = async () => {
    if (!me) return setError('Choose who is ending the case.');
    try {
      await callApi('caseEnd', { body: { role: me.role, name: me.name } });
      onClose();
    } catch (e) {
      setError(humanCaseError(e, 'end'));
    }
  };
  return (
    <div className="dialog-backdrop">
      <div className="dialog" data-testid="end-case-dialog">
        <h2>End case?</h2>
        <p>
          Recording of <b>{c.procedure}</b> stops and the case file is closed. This cannot be undone.
        </p>
        <label>
          Ended by
          <MemberSelect team={c.team} me={me} onChoose={setMe} testId="end-case-who" />
        </label>
        {error ? <div className="dialog-error">{error}</div> : null}
        <div className="dialog-buttons">
          <button onClick={onClose} data-testid="end-case-cancel">
            Keep recording
          </button>
          <button className="danger" onClick={() => void end()} data-testid="end-case-confirm">
            End case
          </button>
        </div>
      </div>
    </div>
  );
}

/** The patient's identity, always on screen. */
function PatientId({ c }: { c: CaseView | null }) {
  const p = c?.patient;
  const text = p && (p.name || p.identifier) ? [p.name, p.identifier && `ID ${p.identifier}`].filter(Boolean).join(' · ') : 'patient not identified';
  return (
    <span className={`patient-id ${p ? '' : 'unknown'}`} data-testid="patient-id" title="The case's patient">
      {text}
    </span>
  );
}

export function CaseBar() {
  const c = useDisplay((s) => s.caseView);
  const recording = useDisplay((s) => s.recording);
  const hubLive = useDisplay((s) => s.hubLive);
  const lostAt = useDisplay((s) => s.hubLostAtMs);
  const [dialog, setDialog] = useState<'start' | 'end' | null>(null);
  if (!c || c.state === 'ended') {
    return (
      <span className="case-bar">
        <button className="case-start" onClick={() => setDialog('start')} data-testid="open-start-case">
          Start case
        </button>
        <PatientId c={null} />
        {dialog === 'start' ? <StartCaseDialog onClose={() => setDialog(null)} /> : null}
      </span>
    );
  }
  // With the hub lost the case clock stops where the hub was last heard (nothing may look live).
  const elapsed = c.startedMs ? Math.max(0, (hubLive ? hubClock.now() : (lostAt ?? hubClock.now())) - c.startedMs) : 0;
  const h = Math.floor(elapsed / 3600000);
  const m = Math.floor((elapsed % 3600000) / 60000);
  return (
    <span className="case-bar" data-testid="case-bar">
      {!hubLive ? (
        <span className="rec rec-unknown" data-testid="rec-unknown">
          REC ? recording state unknown
        </span>
      ) : recording ? (
        <span className="rec" data-testid="rec">
          ● REC
        </span>
      ) : null}
      <span className="case-name">{c.procedure}</span>
      <PatientId c={c} />
      <span className={`case-elapsed ${hubLive ? '' : 'stopped'}`} data-testid="case-elapsed">
        {h}:{String(m).padStart(2, '0')}
      </span>
      <button className="case-end" onClick={() => setDialog('end')} data-testid="open-end-case">
        End case
      </button>
      {dialog === 'end' ? <EndCaseDialog c={c} onClose={() => setDialog(null)} /> : null}
    </span>
  );
}
