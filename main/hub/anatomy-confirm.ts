/**
 * What navigation relies on is not changed by accident (issue 12 §4): replacing the registration
 * in force, a registration whose FRE is above the limit, and replacing the images shown are
 * refused (409, a code of ANATOMY_CONFIRM) until the same request comes again with
 * `confirmed: true` and who; the change then goes into the case's annotation ledger with who.
 * Pure rules; the anatomy service (anatomy-service.ts) applies them.
 */
import { ANATOMY_CONFIRM, type AnatomyConfirmCode, type RegistrationView, type VolumeMeta } from '../../common/anatomy-contract';
import { freText, registrationSummary } from '../../common/registration-text';

/** Default FRE limit (mm): above it a registration needs confirmation (`or-hub start --max-fre-mm`). */
export const DEFAULT_MAX_FRE_MM = 2;

export interface ConfirmAsk {
  code: AnatomyConfirmCode;
  /** For people: what would change and why it needs a confirmation. */
  error: string;
}

/** Who a request names (role, name), and whether it confirms. */
export interface ChangeWho {
  role?: string;
  name?: string;
  confirmed?: boolean;
}

/** What a new registration (FRE `freMm`) needs confirmed while `current` is in force; null: nothing. */
export function registrationAsk(current: RegistrationView | null, freMm: number, maxFreMm: number, nowMs: number): ConfirmAsk | null {
  const why: string[] = [];
  if (freMm > maxFreMm) why.push(`its FRE ${freText(freMm)} is above the limit of ${freText(maxFreMm)} (--max-fre-mm)`);
  if (current) why.push(`it would replace the registration in force (${registrationSummary(current, nowMs)})`);
  if (!why.length) return null;
  return {
    code: freMm > maxFreMm ? ANATOMY_CONFIRM.highFre : ANATOMY_CONFIRM.replaceRegistration,
    error: `registration not applied: ${why.join('; ')}. Confirm to apply it`,
  };
}

/** Loading `source` while `shown` is on the display needs confirmation; null when nothing is shown. */
export function imagesAsk(shown: VolumeMeta | null, source: string): ConfirmAsk | null {
  if (!shown) return null;
  return { code: ANATOMY_CONFIRM.replaceImages, error: `images are shown (${imagesLabel(shown)}): confirm to replace them with ${source}` };
}

export function imagesLabel(m: VolumeMeta): string {
  return [m.modality, m.description || m.sourceLabel].filter(Boolean).join(' ');
}

/** Records a change in the active case's annotation ledger; answers who as recorded, null when no case records; throws when who is not on the team. */
export type RecordChange = (who: { role: string; name?: string }, text: string) => Promise<{ role: string; name: string } | null>;

/**
 * Who made a change: checked (`needed`: it replaces something or goes past a limit, so who must
 * confirm it) and recorded in the case with `note` (when a case records) before it is applied.
 */
export async function changedBy(w: ChangeWho, needed: boolean, note: string, record?: RecordChange): Promise<{ by: By | null } | { error: string }> {
  const role = w.role?.trim() ? w.role : null;
  if (role) {
    try {
      const inCase = await record?.({ role, name: w.name }, note);
      if (inCase) return { by: inCase };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  const problem = whoProblem(w, needed, false);
  if (problem) return { error: problem };
  return { by: role ? { role, name: w.name?.trim() || role } : null };
}

type By = NonNullable<RegistrationView['by']>;

/** Why who is missing for a change that needs confirming (null: enough). `inCase`: a case records, so the team knows the name. */
export function whoProblem(w: ChangeWho, needed: boolean, inCase: boolean): string | null {
  if (!needed) return null;
  if (!w.role?.trim()) return 'who confirms: role is required with confirmed';
  if (!inCase && !w.name?.trim()) return 'who confirms: name is required with confirmed while no case records';
  return null;
}

/** The case-record line of a registration applied (what the annotation ledger keeps beside who). */
export function registrationNote(
  r: Pick<RegistrationView, 'label' | 'freMm'>,
  replaced: RegistrationView | null,
  maxFreMm: number,
  confirmed: boolean,
): string {
  const high = r.freMm > maxFreMm ? ` above the ${freText(maxFreMm)} limit` : '';
  const was = replaced ? `; replaces ${replaced.label}, FRE ${freText(replaced.freMm)}` : '';
  return `${replaced ? 'Registration replaced' : 'Registration'}: ${r.label}, FRE ${freText(r.freMm)}${high}${was}${confirmed ? ' (confirmed)' : ''}`;
}

/** The case-record line of images opened (`shown`: what they replace, when any). */
export function imagesNote(source: string, shown: VolumeMeta | null, confirmed: boolean): string {
  return shown ? `Images replaced: ${source} instead of ${imagesLabel(shown)}${confirmed ? ' (confirmed)' : ''}` : `Images opened: ${source}`;
}
