/**
 * The confirmation the hub asked for before an anatomy change (confirm-change.ts): the side
 * sheet, asking who confirms (the case's team, defaulting to who annotates on this display).
 */
import { useAnatomy } from './controller';
import { useDisplay } from '../store';
import { savedMe } from '../timeline/CaseBar';
import { ConfirmSheet } from '../components/ConfirmSheet';
import { ANATOMY_CONFIRM, type AnatomyConfirmCode } from '../../../common/anatomy-contract';

const TITLE: Record<AnatomyConfirmCode, [string, string]> = {
  [ANATOMY_CONFIRM.replaceRegistration]: ['Replace the registration?', 'Replace registration'],
  [ANATOMY_CONFIRM.highFre]: ['Registration error above the limit', 'Use this registration'],
  [ANATOMY_CONFIRM.replaceImages]: ['Replace the images shown?', 'Replace images'],
};

export function AnatomyConfirm() {
  const pending = useAnatomy((s) => s.confirm);
  const c = useDisplay((s) => (s.caseView?.state === 'recording' ? s.caseView : null));
  if (!pending) return null;
  // Read when the sheet opens: who annotates on this display now (chosen in the timeline bar).
  const me = c ? savedMe(c.team, c.id) : null;
  const [title, action] = TITLE[pending.code];
  return (
    <ConfirmSheet
      title={title}
      message={pending.message}
      confirmLabel={action}
      who={{ team: c?.team ?? [], me }}
      onConfirm={(who) => pending.answer(who)}
      onCancel={() => pending.answer(null)}
    />
  );
}
