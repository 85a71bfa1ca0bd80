/**
 * Keeps the anatomy with the procedure: the series shown and every registration in force go
 * into the case's recording (issue 6), as the anatomy service announces them to displays.
 */
import type { AnatomyMessage, RegistrationView, VolumeMeta } from '../../common/anatomy-contract';
import { invertRigid } from '../../common/geometry';
import type { Recorder } from '../recorder/recorder';
import { hubNow } from './clock';

export class AnatomyRecording {
  private volume: VolumeMeta | null = null;
  private registration: RegistrationView | null = null;

  constructor(private readonly recorder: () => Recorder | null) {}

  /** Called for every anatomy message broadcast to displays. */
  onMessage(m: AnatomyMessage): void {
    if (m.t === 'volume' && m.status === 'ready' && m.meta && m.meta.id !== this.volume?.id) {
      this.volume = m.meta;
      this.recordVolume();
    } else if (m.t === 'registration' && m.registration !== this.registration) {
      this.registration = m.registration;
      this.recordRegistration();
    }
  }

  /** Records what is in force now (a case started after the images were opened). */
  caseStarted(): void {
    this.recordVolume();
    this.recordRegistration();
  }

  private recordVolume(): void {
    const r = this.recorder();
    const v = this.volume;
    if (!r || !r.recording || !v) return;
    r.dicomShown({
      tMs: hubNow(),
      seriesUid: v.key,
      modality: v.modality,
      description: v.description,
      source: v.source === 'demo' ? 'demo' : v.sourceLabel,
      detail: { dimensions: v.dimensions, spacing: v.spacing, origin: v.origin, direction: v.direction },
    });
  }

  private recordRegistration(): void {
    const r = this.recorder();
    const g = this.registration;
    if (!r || !r.recording || !g) return;
    r.registration({
      tMs: hubNow(),
      seriesUid: g.volumeKey,
      method: 'point-based (paired fiducials)',
      // The recorder stores image -> tracker; the display works with tracker -> image.
      matrix: Array.from(invertRigid(g.trackerToImage)),
      freMm: g.freMm,
      detail: {
        label: g.label,
        residualsMm: g.residualsMm,
        pairs: g.pairs,
        createdHubMs: g.createdHubMs,
        // Who registered, and whether it replaced one or went past the FRE limit and was confirmed (issue 12 §4).
        by: g.by ?? null,
        confirmed: g.confirmed ?? false,
        freLimitMm: g.freLimitMm ?? null,
      },
    });
  }
}
