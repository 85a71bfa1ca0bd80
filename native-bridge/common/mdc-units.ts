/**
 * IEEE 11073-10101 dimension (unit) codes, partition 4 (code = 4 << 16 | term; a decimal prefix adds to
 * the base term: kilo +3, centi +17, milli +18), and their UCUM
 * equivalents, as IHE PCD-01 OBX-6 carries them ("264864^MDC_DIM_BEAT_PER_MIN^MDC"). Only the
 * units OR Hub's channels use; an HL7 feed with another unit keeps the sender's text.
 * Pure: runs anywhere.
 */

export interface MdcUnit {
  code: number;
  mdc: string;
  ucum: string;
}

export const MDC_UNITS: readonly MdcUnit[] = [
  { code: 262656, mdc: 'MDC_DIM_DIMLESS', ucum: '1' },
  { code: 262688, mdc: 'MDC_DIM_PERCENT', ucum: '%' },
  { code: 264864, mdc: 'MDC_DIM_BEAT_PER_MIN', ucum: '/min' },
  { code: 264928, mdc: 'MDC_DIM_RESP_PER_MIN', ucum: '/min' },
  { code: 266016, mdc: 'MDC_DIM_MMHG', ucum: 'mm[Hg]' },
  { code: 266048, mdc: 'MDC_DIM_CM_H2O', ucum: 'cm[H2O]' },
  { code: 265987, mdc: 'MDC_DIM_KILO_PASCAL', ucum: 'kPa' },
  { code: 268192, mdc: 'MDC_DIM_DEGC', ucum: 'Cel' },
  { code: 266418, mdc: 'MDC_DIM_MILLI_VOLT', ucum: 'mV' },
  { code: 263762, mdc: 'MDC_DIM_MILLI_L', ucum: 'mL' },
  { code: 263744, mdc: 'MDC_DIM_L', ucum: 'L' },
  { code: 265216, mdc: 'MDC_DIM_L_PER_MIN', ucum: 'L/min' },
  { code: 265266, mdc: 'MDC_DIM_MILLI_L_PER_HR', ucum: 'mL/h' },
  { code: 266866, mdc: 'MDC_DIM_MILLI_MOLE_PER_L', ucum: 'mmol/L' },
  { code: 263875, mdc: 'MDC_DIM_KILO_G', ucum: 'kg' },
  { code: 264338, mdc: 'MDC_DIM_MILLI_SEC', ucum: 'ms' },
  { code: 264320, mdc: 'MDC_DIM_SEC', ucum: 's' },
  { code: 263441, mdc: 'MDC_DIM_CENTI_M', ucum: 'cm' },
  { code: 263424, mdc: 'MDC_DIM_X_M', ucum: 'm' },
  { code: 263442, mdc: 'MDC_DIM_MILLI_M', ucum: 'mm' },
];

const BY_CODE = new Map(MDC_UNITS.map((u) => [u.code, u]));
const BY_MDC = new Map(MDC_UNITS.map((u) => [u.mdc, u]));
/** UCUM -> the first MDC unit with that UCUM form (so '/min' is MDC_DIM_BEAT_PER_MIN unless the channel says otherwise). */
const BY_UCUM = new Map<string, MdcUnit>();
for (const u of MDC_UNITS) if (!BY_UCUM.has(u.ucum)) BY_UCUM.set(u.ucum, u);

/** The UCUM unit of an MDC dimension, by numeric code or reference id; undefined when not in the table. */
export function ucumOfMdcUnit(code: number | undefined, refId: string | undefined): string | undefined {
  return (code !== undefined ? BY_CODE.get(code) : undefined)?.ucum ?? (refId ? BY_MDC.get(refId)?.ucum : undefined);
}

/** The MDC dimension of a UCUM unit for a metric (outgoing PCD-01), or undefined. '/min' of a breathing metric is breaths. */
export function mdcUnitOfUcum(ucum: string, metric = ''): MdcUnit | undefined {
  if (ucum === '/min' && /RESP|VENT|BREATH/.test(metric)) return BY_MDC.get('MDC_DIM_RESP_PER_MIN');
  return BY_UCUM.get(ucum);
}
