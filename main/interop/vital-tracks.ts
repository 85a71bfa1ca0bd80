/**
 * VitalRecorder track names -> IEEE 11073-10101 terms, and vendor unit strings -> UCUM.
 * Track names follow VitalDB's device track lists (Intellivue, Solar8000, Primus, BIS, ...).
 * A name not in the table keeps its own label, with a private term MDC_EXT_VITAL_<NAME>.
 */
import { MDC, type MdcTerm } from '../../native-bridge/common/mdc';

const T = (mdc: string, unit: string, label: string): MdcTerm => ({ mdc, unit, label });

/** Keyed by the track name as VitalRecorder writes it (without the device prefix). */
export const VITAL_TRACKS: Readonly<Record<string, MdcTerm>> = {
  // Waveforms
  ECG_I: T('MDC_ECG_ELEC_POTL_I', 'mV', 'ECG I'),
  ECG_II: MDC.ECG_II,
  ECG_III: T('MDC_ECG_ELEC_POTL_III', 'mV', 'ECG III'),
  ECG_AVR: T('MDC_ECG_ELEC_POTL_AVR', 'mV', 'ECG aVR'),
  ECG_AVL: T('MDC_ECG_ELEC_POTL_AVL', 'mV', 'ECG aVL'),
  ECG_AVF: T('MDC_ECG_ELEC_POTL_AVF', 'mV', 'ECG aVF'),
  ECG_V: T('MDC_ECG_ELEC_POTL_V', 'mV', 'ECG V'),
  ECG_V5: T('MDC_ECG_ELEC_POTL_V5', 'mV', 'ECG V5'),
  PLETH: MDC.PLETH,
  ABP: MDC.ABP,
  ART: MDC.ABP,
  CVP: T('MDC_PRESS_BLD_VEN_CENT', 'mm[Hg]', 'CVP'),
  PAP: T('MDC_PRESS_BLD_ART_PULM', 'mm[Hg]', 'PAP'),
  RESP: T('MDC_IMPED_TTHOR', 'Ohm', 'Resp'),
  CO2: MDC.CO2_WAVE,
  AWP: MDC.AWAY_PRESS,
  AWF: MDC.AWAY_FLOW,
  // Numerics
  HR: MDC.HR,
  ECG_HR: { ...MDC.HR, label: 'ECG HR' },
  PLETH_HR: MDC.PR,
  PLETH_SAT_O2: MDC.SPO2,
  PLETH_SPO2: MDC.SPO2,
  PLETH_PERF_REL: T('MDC_PULS_OXIM_PERF_REL', '1', 'Perf'),
  ABP_SYS: MDC.ABP_SYS,
  ABP_DIA: MDC.ABP_DIA,
  ABP_MEAN: MDC.ABP_MEAN,
  ART_SBP: MDC.ABP_SYS,
  ART_DBP: MDC.ABP_DIA,
  ART_MBP: MDC.ABP_MEAN,
  NIBP_SYS: MDC.NIBP_SYS,
  NIBP_DIA: MDC.NIBP_DIA,
  NIBP_MEAN: MDC.NIBP_MEAN,
  NIBP_SBP: MDC.NIBP_SYS,
  NIBP_DBP: MDC.NIBP_DIA,
  NIBP_MBP: MDC.NIBP_MEAN,
  NIBP_HR: T('MDC_PULS_RATE_NON_INV', '/min', 'NIBP PR'),
  CVP_MEAN: T('MDC_PRESS_BLD_VEN_CENT_MEAN', 'mm[Hg]', 'CVP mean'),
  PAP_SYS: T('MDC_PRESS_BLD_ART_PULM_SYS', 'mm[Hg]', 'PAP sys'),
  PAP_DIA: T('MDC_PRESS_BLD_ART_PULM_DIA', 'mm[Hg]', 'PAP dia'),
  PAP_MEAN: T('MDC_PRESS_BLD_ART_PULM_MEAN', 'mm[Hg]', 'PAP mean'),
  RR: MDC.RESP_RATE,
  RR_CO2: T('MDC_AWAY_RESP_RATE', '/min', 'awRR'),
  CO2_RR: T('MDC_AWAY_RESP_RATE', '/min', 'awRR'),
  ETCO2: MDC.ETCO2,
  INCO2: T('MDC_AWAY_CO2_INSP_MIN', 'mm[Hg]', 'imCO2'),
  BT: MDC.TEMP,
  TEMP: MDC.TEMP,
  FIO2: MDC.FIO2,
  FEO2: MDC.ETO2,
  MAC: MDC.MAC,
  EXP_SEVO: MDC.ET_AGENT,
  TV: MDC.TIDAL_VOL,
  TV_EXP: MDC.TIDAL_VOL,
  PEEP: MDC.PEEP,
  PEEP_MBAR: MDC.PEEP,
  PIP: MDC.PEAK_PRESS,
  PPEAK: MDC.PEAK_PRESS,
  BIS: T('MDC_EEG_BISPECTRAL_INDEX', '1', 'BIS'),
};

/** Vendor unit strings seen in .vital files -> UCUM. */
const UNITS: Readonly<Record<string, string>> = {
  mmHg: 'mm[Hg]',
  mmhg: 'mm[Hg]',
  cmH2O: 'cm[H2O]',
  cmh2o: 'cm[H2O]',
  ohm: 'Ohm',
  Ohm: 'Ohm',
  C: 'Cel',
  '°C': 'Cel',
  degC: 'Cel',
  bpm: '/min',
  '/min': '/min',
  ml: 'mL',
  mL: 'mL',
  'ml/h': 'mL/h',
  'mL/h': 'mL/h',
  'l/min': 'L/min',
  'L/min': 'L/min',
  mV: 'mV',
  uV: 'uV',
  '%': '%',
  mbar: 'mbar',
  kPa: 'kPa',
};

/** UCUM spelling of a vendor unit; unknown units are kept as written. */
export function ucumUnit(unit: string, term?: MdcTerm): string {
  const u = unit.trim();
  if (u === '') return term?.unit === '1' ? '1' : '';
  return UNITS[u] ?? u;
}

/** MDC reference id for a track name: the known term, or the private MDC_EXT_VITAL_<NAME>. */
export function vitalTerm(name: string): { term?: MdcTerm; mdc: string; label: string } {
  const term = VITAL_TRACKS[name] ?? VITAL_TRACKS[name.toUpperCase()];
  if (term) return { term, mdc: term.mdc, label: term.label };
  const ext =
    name
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'TRACK';
  return { mdc: `MDC_EXT_VITAL_${ext}`, label: name.slice(0, 64) };
}

/** Known VitalRecorder device types -> OR Hub device kind and manufacturer. */
export function vitalDeviceKind(typeName: string): { kind: 'patient-monitor' | 'anaesthesia-machine' | 'infusion-pump' | 'other'; manufacturer: string } {
  const t = typeName.toLowerCase();
  if (t.includes('intellivue')) return { kind: 'patient-monitor', manufacturer: 'Philips' };
  if (t.includes('solar')) return { kind: 'patient-monitor', manufacturer: 'GE' };
  if (t.includes('primus') || t.includes('datex') || t.includes('fabius'))
    return { kind: 'anaesthesia-machine', manufacturer: t.includes('datex') ? 'GE' : 'Draeger' };
  if (t.includes('orchestra')) return { kind: 'infusion-pump', manufacturer: 'Fresenius' };
  return { kind: 'other', manufacturer: '' };
}
