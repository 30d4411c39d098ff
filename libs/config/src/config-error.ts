/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    message: string,
    /** One entry per bad variable: the variable name and what is wrong with it. */
    readonly issues: ReadonlyArray<{ variable: string; problem: string }>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
