/**
 * What every byte-stream device decoder (serial monitors, native-bridge/node/gateways/serial/)
 * returns: decoded messages and coded errors, in stream order. A decoder is pure (runs anywhere),
 * never throws on hostile input, keeps a bounded buffer, and resynchronises after junk.
 */

/** One problem in the byte stream. `code` is stable (tests and counters key on it). */
export interface StreamError<C extends string = string> {
  ok: false;
  code: C;
  /** Human-readable detail, one line. */
  detail: string;
  /** Byte offset in the stream (since the decoder was made) where the problem starts. */
  offset: number;
  /** Bytes the problem covers (discarded bytes for framing errors; 0 for problems inside a kept message). */
  bytes: number;
}

export interface StreamMessage<M> {
  ok: true;
  message: M;
  /** Byte offset in the stream of the message's first byte. */
  offset: number;
}

export type StreamResult<M, C extends string = string> = StreamMessage<M> | StreamError<C>;

export interface StreamDecoder<M, C extends string = string> {
  /** Feeds bytes as they arrive; returns what they completed. Never throws. */
  push(bytes: Uint8Array): StreamResult<M, C>[];
  /**
   * The stream broke (port closed, device unplugged): reports a partial message as an error and
   * starts afresh, so the next byte is treated as the start of a new stream.
   */
  flush(): StreamResult<M, C>[];
}
