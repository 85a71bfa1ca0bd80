/**
 * Stable error codes of the OpenIGTLink codec and gateway (docs/gateways.md, "OpenIGTLink").
 * A decoder returns one of these instead of throwing; the gateway counts them by code.
 */
export type IgtlErrorCode =
  /** Fewer than 58 bytes where a header was expected (or a connection closed inside one). */
  | 'IGTL_TRUNCATED_HEADER'
  /** Header version other than 1 (v1/v2) or 2 (v3). */
  | 'IGTL_BAD_VERSION'
  /** Message type empty or not printable ASCII. */
  | 'IGTL_BAD_TYPE_NAME'
  /** Device name not printable ASCII. */
  | 'IGTL_BAD_DEVICE_NAME'
  /** Declared body size above the limit (a lying or hostile body size). */
  | 'IGTL_BODY_TOO_LARGE'
  /** Fewer (or more) body bytes than the header declares (truncated message, connection closed inside a body). */
  | 'IGTL_TRUNCATED_BODY'
  /** CRC-64 of the body differs from the header's. */
  | 'IGTL_BAD_CRC'
  /** v3 extended header or metadata sizes inconsistent with the body. */
  | 'IGTL_BAD_EXT_HEADER'
  | 'IGTL_BAD_METADATA'
  /** Body of a known type has the wrong size or inconsistent counts. */
  | 'IGTL_BAD_BODY'
  /** A NaN or infinite coordinate. */
  | 'IGTL_NON_FINITE'
  /** A message type OpenIGTLink defines but OR Hub does not map (IMAGE, POINT, STRING…). */
  | 'IGTL_UNSUPPORTED_TYPE'
  /** A message type OpenIGTLink does not define. */
  | 'IGTL_UNKNOWN_TYPE'
  /** Gateway: a sender that stalls inside a message beyond the limit. */
  | 'IGTL_SLOW_SENDER'
  /** Gateway: a connection refused because the listener holds its maximum of clients. */
  | 'IGTL_TOO_MANY_CLIENTS'
  /** Gateway: more bytes per second than a tracker can need, from one connection. */
  | 'IGTL_FLOOD';

export interface IgtlError {
  code: IgtlErrorCode;
  message: string;
}
