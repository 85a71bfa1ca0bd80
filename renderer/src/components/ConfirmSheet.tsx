/**
 * A confirmation on the display (issue 12 §4): the side sheet every dialog uses, so waveforms and
 * the main numerics stay in view, never the browser's window.confirm (which blocks the page and
 * its alarms). With `who`, it also asks who confirms: one of the case's team (defaulting to who
 * annotates on this display) or, with no case, a role and a name; the hub records them.
 */
import { useRef, useState, type ReactElement } from 'react';
import type { TeamMemberView } from '../../../common/case-contract';

const ROLES = ['surgeon', 'anaesthetist', 'scrub-nurse', 'circulating-nurse', 'radiographer', 'engineer'];

export interface ConfirmSheetProps {
  title: string;
  /** What would change and why it needs confirming (the hub's words). */
  message: string;
  /** Ask who confirms: the case's team (empty: no case, so a role and a name are typed). */
  who?: { team: readonly TeamMemberView[]; me: TeamMemberView | null };
  confirmLabel?: string;
  onConfirm(who: TeamMemberView | null): void;
  onCancel(): void;
}

export function ConfirmSheet({ title, message, who, confirmLabel = 'Confirm', onConfirm, onCancel }: ConfirmSheetProps) {
  const team = who?.team ?? [];
  const [member, setMember] = useState(who?.me ? `${who.me.role}/${who.me.name}` : team[0] ? `${team[0].role}/${team[0].name}` : '');
  const [role, setRole] = useState(ROLES[0]);
  const [name, setName] = useState('');
  const chosen: TeamMemberView | null = !who ? null : team.length ? (team.find((t) => `${t.role}/${t.name}` === member) ?? null) : { role, name: name.trim() };
  const ready = !who || (chosen !== null && chosen.name !== '');
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="alertdialog" aria-labelledby="confirm-title" data-testid="confirm-sheet">
        <h2 id="confirm-title">{title}</h2>
        <p className="confirm-message" data-testid="confirm-message">
          {message}
        </p>
        {who && team.length ? (
          <label>
            Confirmed by
            <select value={member} onChange={(e) => setMember(e.target.value)} data-testid="confirm-who">
              {team.map((t) => (
                <option key={`${t.role}/${t.name}`} value={`${t.role}/${t.name}`}>
                  {t.name} ({t.role})
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {who && !team.length ? (
          <>
            <label>
              Your role
              <select value={role} onChange={(e) => setRole(e.target.value)} data-testid="confirm-role">
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </label>
            <label>
              Your name <input value={name} onChange={(e) => setName(e.target.value)} autoFocus data-testid="confirm-name" />
            </label>
          </>
        ) : null}
        <div className="dialog-buttons">
          <button onClick={onCancel} data-testid="confirm-cancel">
            Cancel
          </button>
          <button className="primary" disabled={!ready} onClick={() => onConfirm(chosen)} data-testid="confirm-ok">
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

type Ask = { title: string; message: string; resolve: (ok: boolean) => void };

/** `ask(title, message)` resolves true once confirmed, false when cancelled; render `sheet`. */
export function useConfirmSheet(): { ask: (title: string, message: string) => Promise<boolean>; sheet: ReactElement | null } {
  const [pending, setPending] = useState<Ask | null>(null);
  const ref = useRef<Ask | null>(null);
  const close = (ok: boolean) => {
    ref.current?.resolve(ok);
    ref.current = null;
    setPending(null);
  };
  const ask = (title: string, message: string) =>
    new Promise<boolean>((resolve) => {
      ref.current?.resolve(false);
      ref.current = { title, message, resolve };
      setPending(ref.current);
    });
  const sheet = pending ? <ConfirmSheet title={pending.title} message={pending.message} onConfirm={() => close(true)} onCancel={() => close(false)} /> : null;
  return { ask, sheet };
}
