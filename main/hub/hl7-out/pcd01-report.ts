/**
 * Builds the IHE PCD-01 ORU^R01 (HL7 v2.6) reports OR Hub sends to an anaesthesia information
 * system or EMR: one OBR per report, and per device an MDS row (OBX-18 the bus device id) followed
 * by one NM OBX per numeric value: OBX-3 code^MDC ref id^MDC, OBX-4 MDS.VMD.CHAN.METRIC, OBX-6 the
 * MDC dimension (UCUM when it has none in the table), OBX-11 R (device data, not validated), OBX-14
 * the hub time of the value, OBX-18 the device. PV1-3 is the case's room, PV1-19 the case id.
 * Segments are @medplum/core's Hl7Segment; all times are hub time written in UTC.
 */
import { Hl7Message, Hl7Segment } from '@medplum/core';
import type { ChannelDescriptor, DeviceKind } from '../../../native-bridge/common/descriptor';
import { mdcUnitOfUcum } from '../../../native-bridge/common/mdc-units';
import { formatHl7Time } from '../../../native-bridge/common/hl7-time';
import { escapeHl7 } from '../../../native-bridge/node/gateways/hl7/hl7-fields';

export interface ReportDevice {
  deviceId: string;
  kind: DeviceKind;
  model: string;
  channels: { ch: ChannelDescriptor; samples: { tHubMs: number; value: number }[] }[];
}

export interface ReportInput {
  controlId: string;
  /** Hub time the report is made. */
  nowMs: number;
  /** Hub-time span the report covers. */
  fromMs: number;
  toMs: number;
  room: string;
  caseId: string;
  sendingApplication: string;
  devices: ReportDevice[];
}

/** A number as HL7 NM: plain decimal, no exponent, at most 6 decimals. */
export function formatNm(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const s = v.toFixed(6).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

const seg = (fields: string[]) => new Hl7Segment(fields);
/** MSH-21: the IHE PCD-01 message profile. */
const PCD01_PROFILE = 'IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO';

export function buildPcd01Report(r: ReportInput): string {
  const segments: Hl7Segment[] = [
    seg([
      'MSH',
      '^~\\&',
      escapeHl7(r.sendingApplication),
      '',
      '',
      '',
      formatHl7Time(r.nowMs),
      '',
      'ORU^R01^ORU_R01',
      r.controlId,
      'P',
      '2.6',
      '',
      '',
      'NE',
      'AL',
      '',
      'UNICODE UTF-8',
      '',
      '',
      PCD01_PROFILE,
    ]),
    seg(['PID', '1']),
    seg(['PV1', '1', 'I', escapeHl7(r.room), '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', `${escapeHl7(r.caseId)}^^^OR-HUB^VN`]),
    seg(['OBR', '1', '', '', '182777000^monitoring of patient^SCT', '', '', formatHl7Time(r.fromMs), formatHl7Time(r.toMs)]),
  ];
  let n = 0;
  const obx = (fields: string[]) => segments.push(seg(['OBX', String(++n), ...fields]));
  r.devices.forEach((d, di) => {
    const mds = di + 1;
    const id = escapeHl7(d.deviceId);
    const mdsCode = d.kind === 'patient-monitor' ? '69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC' : `${escapeHl7(d.kind)}^${escapeHl7(d.model)}^99ORHUB`;
    obx(['', mdsCode, `${mds}.0.0.0`, '', '', '', '', '', '', 'X', '', '', '', '', '', '', id]);
    d.channels.forEach(({ ch, samples }, ci) => {
      const code = `${ch.code ?? ''}^${ch.mdc}^MDC`;
      const u = mdcUnitOfUcum(ch.unit, ch.mdc);
      const unit = u ? `${u.code}^${u.mdc}^MDC` : ch.unit ? `${escapeHl7(ch.unit)}^${escapeHl7(ch.unit)}^UCUM` : '';
      const hier = `${mds}.1.1.${ci + 1}`;
      for (const s of samples) obx(['NM', code, hier, formatNm(s.value), unit, '', '', '', '', 'R', '', '', formatHl7Time(s.tHubMs), '', '', '', id]);
    });
  });
  return new Hl7Message(segments).toString();
}
