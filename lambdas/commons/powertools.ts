import { Logger } from '@aws-lambda-powertools/logger';
import type { JobLog } from '../../src/jobs/ports/job-log';

/** One logger per execution environment; the service name comes from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger();

/** The lifecycle's structured log, written through Powertools as one JSON line per stage. */
export const jobLog: JobLog = {
  info: (message, attributes = {}) => logger.info(message, attributes),
  warn: (message, attributes = {}) => logger.warn(message, attributes),
  error: (message, attributes = {}) => logger.error(message, attributes),
};
