import {
  checkCodecEnv,
  codecEnv,
  kafkaBrokers,
  loadConfig,
  logLevel,
  opsEnv,
  positiveInt,
  temporalEnv,
  tlsPathsTogether,
  toCodecConfig,
  toTemporalConfig,
  type Env,
} from '@enrich/config';
import { PAYMENT_TOPICS } from '@enrich/domain';
import { z } from 'zod';

const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name (letters, digits, dots, dashes, underscores)');

/**
 * The stream consumer's environment: Temporal and the codec (shared fragments of `@enrich/config`;
 * the codec encrypts the workflow inputs it starts and seals card numbers and emails), then Kafka.
 * `--help` is generated from it.
 */
export const streamConsumerEnvSchema = z
  .object({
    ...temporalEnv,
    ...codecEnv,
    KAFKA_BROKERS: kafkaBrokers,
    KAFKA_GROUP_ID: z.string().min(1).default('payments-enrichment').describe('Consumer group of the payment stream (its members share the partitions).'),
    KAFKA_CLIENT_ID: z.string().min(1).default('stream-consumer').describe('Client id the broker logs and quotas know this process by.'),
    PAYMENTS_TOPIC: topicName.default(PAYMENT_TOPICS.events).describe('Topic of normalized payment events.'),
    PAYMENTS_DLQ_TOPIC: topicName.default(PAYMENT_TOPICS.dlq).describe('Topic unreadable events are copied to, the reason in their headers.'),
    STREAM_MAX_IN_FLIGHT: positiveInt(64).describe('Workflow starts awaiting Temporal at once; reading waits beyond it (backpressure).'),
    STREAM_MAX_RUNNING: positiveInt(256).describe(
      'Event workflows started by this consumer and not finished yet, at most; reading waits beyond it, so an overload stays in the topic (consumer lag) instead of queueing in Temporal.',
    ),
    STREAM_DRAIN_TIMEOUT_MS: positiveInt(30_000).describe(
      'On SIGTERM, how long the starts in flight may take before the consumer leaves them to be read again.',
    ),
    ...opsEnv(9465),
    LOG_LEVEL: logLevel,
  })
  .refine(tlsPathsTogether, { message: 'set both or neither', path: ['TEMPORAL_TLS_CERT_PATH'] })
  .superRefine(checkCodecEnv)
  .transform((env) => ({
    temporal: toTemporalConfig(env),
    codec: toCodecConfig(env),
    kafka: {
      brokers: env.KAFKA_BROKERS,
      groupId: env.KAFKA_GROUP_ID,
      clientId: env.KAFKA_CLIENT_ID,
      topic: env.PAYMENTS_TOPIC,
      dlqTopic: env.PAYMENTS_DLQ_TOPIC,
    },
    maxInFlight: env.STREAM_MAX_IN_FLIGHT,
    maxRunning: env.STREAM_MAX_RUNNING,
    drainTimeoutMs: env.STREAM_DRAIN_TIMEOUT_MS,
    ops: { host: env.OPS_HOST, port: env.OPS_PORT },
    logLevel: env.LOG_LEVEL,
  }));

/** The stream consumer's configuration, as {@link loadStreamConsumerConfig} returns it. */
export type StreamConsumerConfig = z.output<typeof streamConsumerEnvSchema>;

/** Parses the stream consumer's configuration. */
export function loadStreamConsumerConfig(env: Env = process.env): StreamConsumerConfig {
  return loadConfig(streamConsumerEnvSchema, env, 'stream-consumer');
}
