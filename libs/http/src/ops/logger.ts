import pino, { type Logger, type LevelWithSilent } from 'pino';

/**
 * Fields never written in the clear, wherever they appear in a log line (top level, or one object
 * down: `input.email`, `record.email`): personal fields of a contact or a payment, sealed values and
 * credentials. A sealed value is ciphertext, but its envelope (key id, context) is of no use in a
 * log either.
 */
export const REDACTED_FIELDS = [
  'email',
  'phone',
  'first_name',
  'last_name',
  'firstName',
  'lastName',
  'postal_code',
  'postalCode',
  'card_number',
  'cardNumber',
  'number',
  'sealed',
  'password',
  'secret',
  'token',
  'apiKey',
  'authorization',
  'cookie',
] as const;

export interface LoggerOptions {
  /** The app's name: the `service` field of every line. */
  service: string;
  level: LevelWithSilent;
  /** More paths to redact (pino redaction paths). */
  redact?: string[];
  /** Where lines go (tests); standard output when omitted. */
  destination?: pino.DestinationStream;
}

/**
 * The one logger of every app: JSON lines with the same base fields (`service`, `pid`, `hostname`),
 * ISO timestamps, `err` serialized with its cause, and {@link REDACTED_FIELDS} redacted at the top
 * level and one level down. Job, erid and workflow ids go in as fields of the line (`jobId`,
 * `erid`, `workflowId`) or of a child logger.
 */
export function createLogger({ service, level, redact = [], destination }: LoggerOptions): Logger {
  const paths = [...REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`]), ...redact];
  return pino(
    {
      level,
      base: { service, pid: process.pid, hostname: process.env.HOSTNAME ?? undefined },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.errWithCause },
    },
    destination,
  );
}
