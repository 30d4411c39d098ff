import {
  bool,
  checkCodecEnv,
  codecEnv,
  loadConfig,
  logLevel,
  positiveInt,
  temporalEnv,
  tlsPathsTogether,
  toCodecConfig,
  toTemporalConfig,
  type Env,
} from '@enrich/config';
import { z } from 'zod';

/**
 * The scheduler's environment: Temporal and the codec (shared fragments of `@enrich/config`; the
 * codec encrypts the schedules' workflow arguments), then the declared schedules. `--help` is
 * generated from it.
 */
export const schedulerEnvSchema = z
  .object({
    ...temporalEnv,
    ...codecEnv,
    REFRESH_INTERVAL_HOURS: positiveInt(6).describe('How often stale customers are refreshed, in hours.'),
    REFRESH_STALE_AFTER_HOURS: positiveInt(24).describe('A customer enriched longer ago than this many hours is stale.'),
    REFRESH_PAGE_SIZE: positiveInt(200).describe('Customers per page of a refresh run.'),
    REFRESH_PAUSED: bool(false).describe('Declare the schedule paused (it keeps its definition, starts nothing).'),
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

/** The scheduler's configuration, as {@link loadSchedulerConfig} returns it. */
export type SchedulerConfig = z.output<typeof schedulerEnvSchema>;

/** Parses the scheduler's configuration. */
export function loadSchedulerConfig(env: Env = process.env): SchedulerConfig {
  return loadConfig(schedulerEnvSchema, env, 'scheduler');
}
