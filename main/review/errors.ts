/** The review layer's errors: a message for people and a stable code for callers. */
export class CodedError extends Error {
  constructor(
    message: string,
    readonly code: string,
    override name: string,
  ) {
    super(message);
  }
}
