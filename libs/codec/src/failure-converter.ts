import { DefaultFailureConverter, type FailureConverter } from '@temporalio/common';

/**
 * Failure converter that moves error messages and stack traces into an encoded attributes payload,
 * so the payload codec encrypts them like any other payload (they often quote the data).
 *
 * Temporal loads it by path in the worker, its workflow sandbox and clients
 * (`DataConverter.failureConverterPath`, see {@link createDataConverter}), hence the named export.
 */
export const failureConverter: FailureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
