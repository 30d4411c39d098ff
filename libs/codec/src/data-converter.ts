import type { DataConverter, PayloadCodec } from '@temporalio/common';

/** Path of the module exporting the encrypting `failureConverter` (`.ts` from sources, `.js` when built). */
export const FAILURE_CONVERTER_PATH: string = require.resolve('./failure-converter');

/**
 * The data converter for workers, clients and the codec server: payloads go through `codec`, and
 * failures are converted with messages and stack traces encoded (so `codec` encrypts them too).
 *
 * A worker with a prebuilt workflow bundle must have been bundled with the same
 * `failureConverterPath`.
 */
export function createDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}
