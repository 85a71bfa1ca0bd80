import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parsePcd01 } from './pcd01';
import { buildAck } from './ack';
import { parseHl7Time, formatHl7Time } from '../../../common/hl7-time';
import { report } from './testing/mllp-peer';

const SAMPLE = path.resolve(__dirname, '../../../../../shared/data/protocols/hl7-pcd01/philips_intellivue_mx500_pcd01_example.hl7');
const have = fs.existsSync(SAMPLE);
const skip = !have && process.env.CI !== 'true' ? `test data absent: ${SAMPLE}` : false;

test('the Philips IntelliVue MX500 PCD-01 example maps to the values, units and times it states', { skip }, () => {
  const r = parsePcd01(fs.readFileSync(SAMPLE, 'latin1'));
  assert.ok(r.ok, r.ok ? '' : r.refusal.text);
  const rep = r.report;
  assert.equal(rep.controlId, 'HP0425230332.872USDANRMMD1NBR488');
  assert.deepEqual(rep.location, { pointOfCare: 'My Unit', room: '', bed: 'Bed1', facility: 'Institution' });
  assert.equal(rep.messageTimeMs, Date.parse('2021-04-25T23:03:32.872-04:00'));
  assert.equal(rep.devices.length, 1);
  const d = rep.devices[0];
  assert.equal(d.id, '7f2586c7-0506-46cd-a612-d8e75b838faa-IntelliVue MX500 - 866064', 'OBX-18 of the MDS row');
  assert.equal(d.mds, 'MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS');
  const hr = d.observations.find((o) => o.mdc === 'MDC_ECG_CARD_BEAT_RATE')!;
  assert.deepEqual(
    { value: hr.value, unit: hr.unit, code: hr.code, kind: hr.kind, hierarchy: hr.hierarchy, t: hr.tSenderMs },
    { value: 60, unit: '/min', code: 147842, kind: 'numeric', hierarchy: [1, 2, 1, 1], t: Date.parse('2021-04-25T23:03:31.496-04:00') },
    'HR 60 /min (MDC_DIM_BEAT_PER_MIN), at OBR-7 since OBX-14 is empty',
  );
  const rhythm = d.observations.find((o) => o.mdc === 'MDC_ECG_STAT_RHY')!;
  assert.deepEqual([rhythm.kind, rhythm.text, rhythm.hierarchy], ['text', 'MDC_ECG_PACED_RHY', [1, 2, 4, 20]]);
  assert.equal(rep.skipped, 1, 'the NA waveform OBX is not mapped');
  const ack = buildAck(r.message, null);
  assert.match(ack, /^MSH\|\^~\\&\|ReceivingApplication\|ReceivingFacility \| SendingApplication\|SendingFacility\|/);
  assert.match(ack, /\rMSA\|AA\|HP0425230332\.872USDANRMMD1NBR488\|/);
});

test('OBX-14, OBX-6 (MDC and UCUM), OBX-4 and OBX-18 map onto observations', () => {
  const r = parsePcd01(report());
  assert.ok(r.ok);
  const [d] = r.report.devices;
  assert.equal(d.id, 'ACME-MON-0042');
  assert.deepEqual(
    d.observations.map((o) => [o.mdc, o.value, o.unit, o.tSenderMs, o.hierarchy.join('.')]),
    [
      ['MDC_ECG_HEART_RATE', 72, '/min', Date.parse('2026-04-12T08:30:13.500Z'), '1.1.1.1'],
      ['MDC_PULS_OXIM_SAT_O2', 97.5, '%', Date.parse('2026-04-12T08:30:13.750Z'), '1.2.1.1'],
      ['MDC_PRESS_BLD_ART_ABP_SYS', 121, 'mm[Hg]', Date.parse('2026-04-12T08:30:14.000Z'), '1.3.1.1'],
    ],
  );
});

test('malformed reports are refused with AE or AR, the HL7 error code and the reason', () => {
  const cases: [string, 'AE' | 'AR', number, RegExp][] = [
    ['\u0000\u0001binary', 'AR', 100, /must begin with an MSH/],
    [report({ type: 'ADT^A01' }), 'AR', 200, /ADT is not ORU/],
    [report({ type: 'ORU^R30' }), 'AR', 201, /R30 is not R01/],
    [report({ version: '3.0' }), 'AR', 203, /version 3\.0/],
    [report({ id: '' }), 'AE', 101, /MSH-10/],
    [report({ msh7: '2026-04-12' }), 'AE', 102, /MSH-7/],
    [report({ obx: ['OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|seventy|/min^/min^UCUM'] }), 'AE', 102, /"seventy" is not a number/],
    [report({ obx: ['OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|70|/min^/min^UCUM|||||R|||20261399'] }), 'AE', 102, /OBX-14/],
    [report({ obx: ['OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|one.two|70'] }), 'AE', 102, /OBX-4/],
    [report({ obx: ['OBX|2|NM||1.1.1.1|70'] }), 'AE', 101, /OBX-3/],
    [report({ obx: [] }).replace(/\rOBX[^\r]*/g, ''), 'AE', 101, /no OBX/],
  ];
  for (const [text, ack, code, why] of cases) {
    const r = parsePcd01(text);
    assert.ok(!r.ok, `refused: ${text.slice(0, 60)}`);
    assert.equal(r.refusal.ack, ack, r.refusal.text);
    assert.equal(r.refusal.code, code, r.refusal.text);
    assert.match(r.refusal.text, why);
    const a = buildAck(r.message, r.refusal);
    assert.match(a, new RegExp(`\\rMSA\\|${ack}\\|`));
    assert.match(a, new RegExp(`\\rERR\\|\\|\\|${code}\\^`));
  }
});

test('HL7 date/times are read strictly and written with an explicit offset', () => {
  assert.equal(parseHl7Time('20210425230331.496-0400'), Date.parse('2021-04-25T23:03:31.496-04:00'));
  assert.equal(parseHl7Time('202104252303', '+0130'), Date.parse('2021-04-25T23:03:00+01:30'));
  assert.equal(parseHl7Time('2021'), Date.parse('2021-01-01T00:00:00Z'));
  for (const bad of ['garbage', '20210231', '2021042525', '20210425230360', '20210425+2500', '']) assert.equal(parseHl7Time(bad), null, bad);
  const t = Date.parse('2026-04-12T08:30:13.507Z');
  assert.equal(formatHl7Time(t), '20260412083013.507+0000');
  assert.equal(parseHl7Time(formatHl7Time(t)), t);
});
