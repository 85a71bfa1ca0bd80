/**
 * HL7 v2 original-mode acknowledgements (HL7 v2.6 §2.9.2): AA accepted; AE application error and
 * AR application reject, each with the reason in MSA-3 (read by older receivers) and an ERR
 * segment (ERR-3 the HL7 table 0357 code, ERR-4 severity E, ERR-8 the text). Built by
 * @medplum/core's Hl7Message.buildAck, which swaps sender and receiver and echoes MSH-10 in MSA-2;
 * a frame that does not parse as HL7 gets an ACK built from scratch, with an empty MSA-2.
 */
import { Hl7Message, Hl7Segment } from '@medplum/core';
import { formatHl7Time } from '../../../common/hl7-time';
import { escapeHl7 } from './hl7-fields';
import type { Pcd01Refusal } from './pcd01';

let ackSeq = 0;
const nextId = () => `ORHUB${Date.now().toString(36)}${(ackSeq++ % 1e6).toString(36)}`;

/** The ACK for `message` (null: it did not parse); `refusal` null for AA. */
export function buildAck(message: Hl7Message | null, refusal: Pcd01Refusal | null): string {
  const code = refusal?.ack ?? 'AA';
  const err = refusal
    ? new Hl7Segment(['ERR', '', '', `${refusal.code}^${escapeHl7(refusal.codeName)}^HL70357`, 'E', '', '', '', escapeHl7(refusal.text)])
    : undefined;
  const msa = new Hl7Segment(['MSA', code, message ? (message.header.getField(10)?.toString() ?? '') : '', refusal ? escapeHl7(refusal.text) : '']);
  let ack: Hl7Message | null = null;
  if (message) {
    try {
      ack = message.buildAck({ ackCode: code, errSegment: err });
      ack.setSegment('MSA', msa);
    } catch {
      ack = null; // an MSH too odd for buildAck: answer with our own header, still echoing MSH-10
    }
  }
  if (!ack) {
    const msh = new Hl7Segment(['MSH', '^~\\&', 'OR-HUB', '', '', '', formatHl7Time(Date.now()), '', 'ACK', nextId(), 'P', '2.6']);
    ack = new Hl7Message([msh, msa, ...(err ? [err] : [])]);
  }
  return ack.toString();
}
