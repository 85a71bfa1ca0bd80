/**
 * Changes to what navigation relies on, from the display (issue 12 §4): loading other images and
 * registering go with who annotates on this display (the hub records them in the case); when the
 * hub asks for a confirmation (409 with an ANATOMY_CONFIRM code: a replacement, an FRE above its
 * limit), the anatomy area shows a confirmation sheet (AnatomyConfirm.tsx) asking who confirms,
 * and the request goes again with `confirmed` and that person.
 */
import { ApiError } from '../api';
import { getState } from '../store';
import { savedMe } from '../timeline/CaseBar';
import { isAnatomyConfirmCode, type AnatomyConfirmCode } from '../../../common/anatomy-contract';
import type { TeamMemberView } from '../../../common/case-contract';

/** What an anatomy change request says about who (common/display-api.ts anatomyConfirm). */
export interface ChangeWho {
  role?: string;
  name?: string;
  confirmed?: boolean;
}

/** A confirmation the hub asked for, waiting for the person's answer (null: cancelled). */
export interface PendingConfirm {
  code: AnatomyConfirmCode;
  message: string;
  answer(who: TeamMemberView | null): void;
}

/** Who annotates on this display while a case records (the hub checks them against the team), else nobody. */
export function displayWho(): ChangeWho {
  const c = getState().caseView;
  const me = c && c.state === 'recording' ? savedMe(c.team, c.id) : null;
  return me ? { role: me.role, name: me.name } : {};
}

/** Runs a change; on the hub's request for confirmation, `show`s it and runs it again once confirmed. */
export async function withConfirmation<T>(run: (who: ChangeWho) => Promise<T>, show: (p: PendingConfirm | null) => void): Promise<T> {
  try {
    return await run(displayWho());
  } catch (e) {
    if (!(e instanceof ApiError) || !isAnatomyConfirmCode(e.code)) throw e;
    const code = e.code;
    const who = await new Promise<TeamMemberView | null>((answer) => show({ code, message: e.message, answer }));
    show(null);
    if (!who) throw new Error('Nothing changed: not confirmed');
    return run({ role: who.role, name: who.name, confirmed: true });
  }
}
