/**
 * Do the loaded images belong to the case's patient? (issue 13 §4: wrong-patient images are a
 * known surgical hazard). Pure: the hub raises and records the alarm, the display shows the same
 * verdict beside the anatomy.
 *
 * IDs decide when both sides have one (compared without case, spaces and leading zeros kept);
 * otherwise names, as sets of words (DICOM PN "DOE^JANE^^^" and "Jane Doe" are the same person).
 */
export interface PatientIdentity {
  name?: string | null;
  identifier?: string | null;
}

export type PatientMatch = 'same' | 'different' | 'unknown';

function nameWords(n: string | null | undefined): string[] {
  return (n ?? '')
    .toLowerCase()
    .split(/[\^,\s]+/)
    .map((w) => w.replace(/[.'-]/g, ''))
    .filter(Boolean)
    .sort();
}

const idOf = (s: string | null | undefined) => (s ?? '').trim().toUpperCase();

export function matchPatient(casePatient: PatientIdentity | null | undefined, images: PatientIdentity | null | undefined): PatientMatch {
  if (!casePatient || !images) return 'unknown';
  const a = idOf(casePatient.identifier);
  const b = idOf(images.identifier);
  if (a && b) return a === b ? 'same' : 'different';
  const na = nameWords(casePatient.name);
  const nb = nameWords(images.name);
  if (!na.length || !nb.length) return 'unknown';
  return na.join(' ') === nb.join(' ') ? 'same' : 'different';
}

/** Words for the warning: what each side says. */
export function mismatchText(casePatient: PatientIdentity, images: PatientIdentity): string {
  const who = (p: PatientIdentity) => [p.name, p.identifier && `ID ${p.identifier}`].filter(Boolean).join(', ') || 'unnamed';
  return `Images are of another patient? Images: ${who(images)}; case: ${who(casePatient)}`;
}
