import { useAnatomy } from '../anatomy/controller';
import { useDisplay } from '../store';
import { matchPatient, mismatchText } from '../../../common/patient-match';
import { RegistrationBadge } from '../anatomy/RegistrationBadge';

/** DICOM DA "YYYYMMDD" as YYYY-MM-DD (as given when it is not a DA). */
function studyDay(da: string | undefined): string {
  return da && /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6)}` : (da ?? '');
}

/**
 * Whose images these are, beside the anatomy (issue 13 §4): DICOM patient name, ID and study
 * date; in red when they differ from the case's patient (the hub raises and records the alarm).
 * On the right, the registration in force (issue 12 §4, RegistrationBadge): always on this line.
 */
export function ImagesPatient() {
  const meta = useAnatomy((s) => s.meta);
  const casePatient = useDisplay((s) => (s.caseView && s.caseView.state !== 'ended' ? (s.caseView.patient ?? null) : null));
  // Always one line, so the 3D area does not change size when images arrive.
  if (!meta || meta.source !== 'dicom') {
    return (
      <div className="images-patient" data-testid="images-patient" data-match="unknown">
        <span className="images-text">{meta ? 'Images: demo phantom (not patient data)' : 'No images loaded'}</span>
        <RegistrationBadge />
      </div>
    );
  }
  const images = { name: meta.patientName, identifier: meta.patientId ?? null };
  const verdict = matchPatient(casePatient, images);
  const text = [
    meta.patientName || 'no patient name',
    meta.patientId ? `ID ${meta.patientId}` : 'no ID',
    meta.studyDate ? `study ${studyDay(meta.studyDate)}` : 'no study date',
  ].join(' · ');
  return (
    <div className={`images-patient ${verdict}`} data-testid="images-patient" data-match={verdict} role={verdict === 'different' ? 'alert' : undefined}>
      <span className="images-text" title={`Images: ${text}`}>
        Images: {text}
      </span>
      {verdict === 'different' && casePatient ? <b className="images-mismatch">{mismatchText(casePatient, images)}</b> : null}
      <RegistrationBadge />
    </div>
  );
}
