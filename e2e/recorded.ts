/**
 * What a case file recorded, read straight from it (read-only) for the review tests to compare
 * the screen with: a channel by its IEEE 11073 term, and where the recorded pose and registration
 * put the navigated instrument's tip at an instant.
 */
import Database from 'better-sqlite3';
import { RecordingStore } from '../main/recorder/store';
import { invertRigid, transformPoint, type Vec3 } from '../common/geometry';

/** The recorded channel id of an MDC term, read straight from the case file's device descriptors. */
export function channelOf(file: string, mdc: string): { id: number; deviceId: string; channel: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    for (const row of db.prepare('SELECT device_id, descriptor_json FROM devices').all() as { device_id: string; descriptor_json: string }[]) {
      const ch = (JSON.parse(row.descriptor_json) as { channels: { index: number; mdc: string }[] }).channels.find((c) => c.mdc === mdc);
      if (!ch) continue;
      const r = db.prepare('SELECT id FROM channels WHERE device_id = ? AND channel = ?').get(row.device_id, ch.index) as { id: number } | undefined;
      if (r) return { id: r.id, deviceId: row.device_id, channel: ch.index };
    }
  } finally {
    db.close();
  }
  throw new Error(`no recorded channel ${mdc}`);
}

/**
 * The instrument tip (patient LPS, mm) at T: the recorded pose at or before T (under 1 s old), through
 * the inverse of the recorded image->tracker registration in force then.
 */
export function recordedTipAt(file: string, tMs: number): Vec3 {
  const store = RecordingStore.open(file, { readonly: true });
  try {
    const tool = channelOf(file, 'MDC_NAV_POSE_INSTRUMENT');
    const pose = store
      .readPoses(tool.id, tMs - 1000, tMs)
      .filter((p) => p.tMs <= tMs)
      .at(-1);
    const reg = store.registrations(-Infinity, tMs).at(-1);
    if (!pose || !reg) throw new Error(`recordedTipAt: no pose or no registration recorded before ${tMs}`);
    return transformPoint(invertRigid(reg.matrix), [pose.matrix[12], pose.matrix[13], pose.matrix[14]]);
  } finally {
    store.close();
  }
}
