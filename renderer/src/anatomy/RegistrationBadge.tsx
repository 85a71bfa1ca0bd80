/**
 * The registration in force, at all times in the anatomy bar (issue 12 §4): how long ago it was
 * made and its FRE (flagged above the hub's limit), updated every second; "No registration" when
 * none. Who made it and whether it was confirmed are in its tooltip.
 */
import { useEffect, useState } from 'react';
import { useAnatomy } from './controller';
import { hubClock } from '../hub-clock';
import { ageText, freText, registrationSummary } from '../../../common/registration-text';

const hubNow = () => hubClock.wallNow();

export function RegistrationBadge() {
  const reg = useAnatomy((s) => s.registration);
  const [now, setNow] = useState(hubNow);
  useEffect(() => {
    if (!reg) return;
    const t = setInterval(() => setNow(hubNow()), 1000);
    return () => clearInterval(t);
  }, [reg]);
  if (!reg) {
    return (
      <span className="anat-reg none" data-testid="registration-status" data-state="none">
        No registration
      </span>
    );
  }
  const high = reg.freLimitMm !== undefined && reg.freMm > reg.freLimitMm;
  const t = Math.max(now, hubNow());
  return (
    <span
      className={`anat-reg${high ? ' high' : ''}`}
      data-testid="registration-status"
      data-state={high ? 'high-fre' : 'ok'}
      title={`${registrationSummary(reg, t)}${reg.confirmed ? ' (confirmed)' : ''}`}
    >
      Registered {ageText(t - reg.createdHubMs)} ago · FRE {freText(reg.freMm)}
      {high ? ` > ${freText(reg.freLimitMm!)}` : ''}
    </span>
  );
}
