/**
 * Reads an IHE PCD-01 ORU^R01 observation report (IHE PCD TF-2 §3.1, HL7 v2.6) into typed
 * observations, or says why it must be refused (with the HL7 table 0357 error code and the
 * acknowledgement it calls for). Parsing is @medplum/core's Hl7Message; this file is the mapping:
 *   OBX-3 MDC code (code^REFID^MDC), OBX-4 MDS.VMD.CHAN.METRIC, OBX-5 value (NM numbers, ST/CWE text),
 *   OBX-6 unit (MDC dimension or UCUM), OBX-14 time (else OBR-7, else MSH-7), OBX-18 device id
 *   (the MDS-level OBX's, which every metric under that MDS inherits), PV1-3 the location.
 * Never throws on hostile input.
 */
import { Hl7Message, type Hl7Segment } from '@medplum/core';
import { MDC } from '../../../common/mdc';
import { ucumOfMdcUnit } from '../../../common/mdc-units';
import { hl7OffsetOf, parseHl7Time } from '../../../common/hl7-time';
import { comp, field } from './hl7-fields';

export interface Pcd01Location {
  pointOfCare: string;
  room: string;
  bed: string;
  facility: string;
}

export interface Pcd01Observation {
  /** OBX-4 levels [MDS, VMD, CHAN, METRIC] (absent levels are 0). */
  hierarchy: number[];
  /** IEEE 11073-10101 reference id, e.g. MDC_ECG_CARD_BEAT_RATE. */
  mdc: string;
  code?: number;
  kind: 'numeric' | 'text';
  /** Numeric observations. */
  value: number;
  /** Text observations (ST, CWE, CE, ...): the text or code. */
  text: string;
  /** UCUM unit ('' when none). */
  unit: string;
  /** Observation time on the sender's clock (Unix ms as the sender reads it), or null when the message gives none. */
  tSenderMs: number | null;
}

export interface Pcd01Device {
  /** The device's own id: OBX-18 of its MDS row, else OBR-3, else derived from the sender and the MDS number. */
  id: string;
  /** MDS type (MDC reference id of the MDS row's OBX-3), '' when the message has no MDS row. */
  mds: string;
  observations: Pcd01Observation[];
}

export interface Pcd01Report {
  controlId: string;
  sendingApplication: string;
  sendingFacility: string;
  location: Pcd01Location | null;
  /** MSH-7 on the sender's clock, or null. */
  messageTimeMs: number | null;
  devices: Pcd01Device[];
  /** OBX rows not mapped (waveform arrays, non-MDC codes, other value types), counted by the caller. */
  skipped: number;
}

/** Why a message is refused: HL7 table 0357 code, and AE (content error) or AR (rejected outright). */
export interface Pcd01Refusal {
  ack: 'AE' | 'AR';
  code: number;
  /** Table 0357 name of the code. */
  codeName: string;
  text: string;
}

export type Pcd01Result = { ok: true; report: Pcd01Report; message: Hl7Message } | { ok: false; refusal: Pcd01Refusal; message: Hl7Message | null };

const CODE_NAMES: Record<number, string> = {
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
};

function refuse(message: Hl7Message | null, ack: 'AE' | 'AR', code: number, text: string): Pcd01Result {
  return { ok: false, message, refusal: { ack, code, codeName: CODE_NAMES[code] ?? 'Application error', text } };
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const HIER_RE = /^\d{1,9}(\.\d{1,9}){0,7}$/;
const REFID_RE = /^MDC_[A-Z0-9_]{1,80}$/;
const TEXT_TYPES = new Set(['ST', 'CWE', 'CE', 'CNE', 'TX', 'FT']);
const BY_CODE = new Map<number, string>(Object.values(MDC).flatMap((t) => ('code' in t && t.code !== undefined ? [[t.code, t.mdc] as [number, string]] : [])));

/** Parses the text of one MLLP frame. */
export function parsePcd01(text: string): Pcd01Result {
  let msg: Hl7Message;
  try {
    msg = Hl7Message.parse(text.replace(/\r\n|\n/g, '\r'));
  } catch {
    return refuse(null, 'AR', 100, 'not an HL7 v2 message (it must begin with an MSH segment)');
  }
  const msh = msg.segments[0];
  if (!msh || msh.name !== 'MSH' || field(msh, 1) !== '|') return refuse(null, 'AR', 100, 'not an HL7 v2 message (it must begin with MSH|^~\\&)');
  if (!field(msh, 10)) return refuse(msg, 'AE', 101, 'MSH-10 (message control id) is empty');
  const type = comp(msh, 9, 1);
  const event = comp(msh, 9, 2);
  if (type !== 'ORU') return refuse(msg, 'AR', 200, `message type ${type || '(empty)'} is not ORU (PCD-01 observation reports only)`);
  if (event !== 'R01') return refuse(msg, 'AR', 201, `event ${event || '(empty)'} is not R01`);
  const version = comp(msh, 12, 1);
  if (!/^2\.[3-9](\.\d+)?$/.test(version)) return refuse(msg, 'AR', 203, `HL7 version ${version || '(empty)'} is not 2.3 to 2.9`);
  const pid = comp(msh, 11, 1);
  if (pid && !['P', 'D', 'T'].includes(pid)) return refuse(msg, 'AR', 202, `processing id ${pid} is not P, D or T`);
  const mshTime = field(msh, 7).split('^')[0].trim();
  const offset = hl7OffsetOf(mshTime) ?? '+0000';
  const messageTimeMs = mshTime ? parseHl7Time(mshTime, offset) : null;
  if (mshTime && messageTimeMs === null) return refuse(msg, 'AE', 102, `MSH-7 "${mshTime.slice(0, 40)}" is not an HL7 date/time`);
  return mapObservations(msg, msh, offset, messageTimeMs);
}

function location(msg: Hl7Message): Pcd01Location | null {
  const pv1 = msg.getSegment('PV1');
  if (!pv1 || !field(pv1, 3)) return null;
  return { pointOfCare: comp(pv1, 3, 1), room: comp(pv1, 3, 2), bed: comp(pv1, 3, 3), facility: comp(pv1, 3, 4) };
}

function mapObservations(msg: Hl7Message, msh: Hl7Segment, offset: string, messageTimeMs: number | null): Pcd01Result {
  const sendingApplication = comp(msh, 3, 1);
  const devices = new Map<number, Pcd01Device>();
  const device = (mds: number): Pcd01Device => {
    let d = devices.get(mds);
    if (!d) devices.set(mds, (d = { id: '', mds: '', observations: [] }));
    return d;
  };
  let obrTime: number | null = null;
  let obrDevice = '';
  let obx = 0;
  let skipped = 0;
  for (const seg of msg.segments) {
    if (seg.name === 'OBR') {
      const t = comp(seg, 7, 1);
      obrTime = t ? parseHl7Time(t, offset) : null;
      if (t && obrTime === null) return refuse(msg, 'AE', 102, `OBR-7 "${t.slice(0, 40)}" is not an HL7 date/time`);
      obrDevice = comp(seg, 3, 1);
      continue;
    }
    if (seg.name !== 'OBX') continue;
    obx++;
    const setId = field(seg, 1) || String(obx);
    const where = `OBX ${setId}`;
    const hier = comp(seg, 4, 1);
    if (hier && !HIER_RE.test(hier)) return refuse(msg, 'AE', 102, `${where}: OBX-4 "${hier.slice(0, 40)}" is not an MDS.VMD.CHAN.METRIC hierarchy`);
    const levels = hier ? hier.split('.').map(Number) : [];
    while (levels.length < 4) levels.push(0);
    const dev = device(levels[0]);
    const system = comp(seg, 3, 3);
    const refId = comp(seg, 3, 2);
    const codeText = comp(seg, 3, 1);
    const valueType = field(seg, 2).trim();
    const isMds = levels[0] > 0 && levels.slice(1).every((l) => l === 0);
    if (isMds && !valueType) {
      // The MDS row: the device itself.
      dev.id = comp(seg, 18, 1) || dev.id;
      dev.mds = REFID_RE.test(refId) ? refId : dev.mds;
      continue;
    }
    if (!valueType) continue; // VMD and CHAN rows: structure only
    if (!codeText && !refId) return refuse(msg, 'AE', 101, `${where}: OBX-3 (observation identifier) is empty`);
    if (system && system !== 'MDC') {
      skipped++;
      continue;
    }
    const code = /^\d{1,10}$/.test(codeText) ? Number(codeText) : undefined;
    const mdc = refId || (code !== undefined ? (BY_CODE.get(code) ?? `MDC_CODE_${code}`) : '');
    if (!REFID_RE.test(mdc)) return refuse(msg, 'AE', 102, `${where}: OBX-3 "${field(seg, 3).slice(0, 60)}" is not an MDC code`);
    const tText = comp(seg, 14, 1);
    const tObx = tText ? parseHl7Time(tText, offset) : null;
    if (tText && tObx === null) return refuse(msg, 'AE', 102, `${where}: OBX-14 "${tText.slice(0, 40)}" is not an HL7 date/time`);
    const tSenderMs = tObx ?? obrTime ?? messageTimeMs;
    const unit = unitOf(seg);
    const raw = comp(seg, 5, 1);
    if (!dev.id && comp(seg, 18, 1) && levels[0] === 0) dev.id = comp(seg, 18, 1);
    if (!dev.id && obrDevice) dev.id = obrDevice;
    if (valueType === 'NM') {
      if (raw === '') {
        skipped++; // no value (e.g. OBX-11 X: cannot be obtained)
        continue;
      }
      if (!NUMBER_RE.test(raw)) return refuse(msg, 'AE', 102, `${where}: NM value "${raw.slice(0, 40)}" is not a number`);
      dev.observations.push({ hierarchy: levels, mdc, code, kind: 'numeric', value: Number(raw), text: '', unit, tSenderMs });
    } else if (TEXT_TYPES.has(valueType)) {
      dev.observations.push({ hierarchy: levels, mdc, code, kind: 'text', value: 0, text: raw.slice(0, 200), unit, tSenderMs });
    } else {
      skipped++; // NA / MA waveform arrays and other types are not mapped (docs/gateways.md)
    }
  }
  if (obx === 0) return refuse(msg, 'AE', 101, 'the ORU^R01 has no OBX observations');
  const out: Pcd01Device[] = [];
  for (const [mds, d] of devices) {
    if (d.observations.length === 0) continue;
    if (!d.id) d.id = `${sendingApplication || 'hl7'}-mds${mds}`;
    out.push(d);
  }
  const report: Pcd01Report = {
    controlId: field(msh, 10),
    sendingApplication,
    sendingFacility: comp(msh, 4, 1),
    location: location(msg),
    messageTimeMs,
    devices: out,
    skipped,
  };
  return { ok: true, report, message: msg };
}

/** OBX-6 as UCUM: an MDC dimension (code^MDC_DIM_...^MDC) through the table, a UCUM unit as written. */
function unitOf(seg: Hl7Segment): string {
  const id = comp(seg, 6, 1);
  const text = comp(seg, 6, 2);
  const system = comp(seg, 6, 3);
  if (!id && !text) return '';
  if (system === 'MDC' || /^MDC_DIM_/.test(text) || /^MDC_DIM_/.test(id)) {
    const code = /^\d+$/.test(id) ? Number(id) : undefined;
    const refId = /^MDC_DIM_/.test(text) ? text : /^MDC_DIM_/.test(id) ? id : undefined;
    return (ucumOfMdcUnit(code, refId) ?? refId ?? id).slice(0, 32);
  }
  return id.slice(0, 32);
}
