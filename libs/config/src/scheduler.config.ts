import { z } from 'zod';
import { bool, logLevel, positiveInt, temporalEnv, tlsPathsTogether, toTemporalConfig } from './fragments';
import { checkCodecEnv, codecEnv, toCodecConfig } from './codec.config';
import { loadConfig, type Env } from './load-config';

export const schedulerEnvSchema = z
  .object({
    ...temporalEnv,
    ...codecEnv,
    /** How often stale customers are refreshed. */
    REFRESH_INTERVAL_HOURS: positiveInt(6),
    /** A customer enriched longer ago than this is stale. */
    REFRESH_STALE_AFTER_HOURS: positiveInt(24),
    REFRESH_PAGE_SIZE: positiveInt(200),
    /** Declare the schedule paused (it keeps its definition, starts nothing). */
    REFRESH_PAUSED: bool(false),
    LOG_LEVEL: logLevel,
  })
  .refine(tlsPathsTogether, { message: 'set both or neither', path: ['TEMPORAL_TLS_CERT_PATH'] })
  .superRefine(checkCodecEnv)
  .transform((env) => ({
    temporal: toTemporalConfig(env),
    codec: toCodecConfig(env),
    customerRefresh: {
      intervalHours: env.REFRESH_INTERVAL_HOURS,
      staleAfterHours: env.REFRESH_STALE_AFTER_HOURS,
      pageSize: env.REFRESH_PAGE_SIZE,
      paused: env.REFRESH_PAUSED,
    },
    logLevel: env.LOG_LEVEL,
  }));

export type SchedulerConfig = z.output<typeof schedulerEnvSchema>;

/** Parses the scheduler's configuration. */
export function loadSchedulerConfig(env: Env = process.env): SchedulerConfig {
  return loadConfig(schedulerEnvSchema, env, 'scheduler');
}
