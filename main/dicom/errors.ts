/**
 * Errors raised while reading DICOM. dicom-parser throws plain strings or `{exception, dataSet}`
 * objects; everything is wrapped here into a DicomError that names the file and carries a
 * stable code. Errors cross the worker boundary as plain objects and are rebuilt.
 */

export type DicomErrorCode =
  | 'NOT_DICOM'
  | 'TRUNCATED'
  | 'MALFORMED'
  | 'NO_PIXEL_DATA'
  | 'UNSUPPORTED_SYNTAX'
  | 'UNSUPPORTED_PIXELS'
  | 'DECODE_FAILED'
  | 'IO'
  | 'NETWORK'
  | 'ABORTED'
  /** A FIFO, device or socket: never opened for reading (it could block forever). */
  | 'SPECIAL'
  /** A file or listing that did not answer within its time limit (e.g. a hung network share). */
  | 'TIMEOUT';

export class DicomError extends Error {
  override name = 'DicomError';
  constructor(
    readonly code: DicomErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
  /** The message without the file prefix. */
  get reason(): string {
    return this.message.startsWith(`${this.file}: `) ? this.message.slice(this.file.length + 2) : this.message;
  }
  toPlain(): PlainDicomError {
    return { code: this.code, file: this.file, reason: this.reason };
  }
  static fromPlain(p: PlainDicomError): DicomError {
    return new DicomError(p.code, p.file, p.reason);
  }
}

export interface PlainDicomError {
  code: DicomErrorCode;
  file: string;
  reason: string;
}

/** Text of whatever dicom-parser (or anything else) threw. */
export function thrownText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object') {
    const o = e as { exception?: unknown; message?: unknown };
    if (o.exception !== undefined) return thrownText(o.exception);
    if (typeof o.message === 'string') return o.message;
  }
  return String(e);
}

/** Turn a dicom-parser failure into a DicomError with a readable reason. */
export function wrapParseError(file: string, e: unknown, fileSize: number): DicomError {
  if (e instanceof DicomError) return e;
  const text = thrownText(e).replace(/^dicomParser\.\w+: /, '');
  if (/DICM prefix not found/.test(text)) {
    return new DicomError('NOT_DICOM', file, 'not a DICOM file (no DICM prefix at byte 128, and the file does not start with a recognizable data element)');
  }
  if (/buffer overrun|attempt to read past end|past end of buffer|eof encountered/i.test(text)) {
    return new DicomError('TRUNCATED', file, `truncated or corrupt: ${text} (file is ${fileSize} bytes)`);
  }
  if (/maxP ?osition|cannot be greater than or equal to 'byteArray' length/.test(text)) {
    return new DicomError('TRUNCATED', file, `truncated or corrupt: an element or sequence runs past the end of the data (${text}; file is ${fileSize} bytes)`);
  }
  if (/unexpected end of file|incorrect header check|invalid (stored|distance|code)/i.test(text)) {
    return new DicomError('TRUNCATED', file, `deflated data set cannot be inflated: ${text}`);
  }
  return new DicomError('MALFORMED', file, `malformed DICOM: ${text}`);
}
