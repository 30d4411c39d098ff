import { FAILURE_CONVERTER_PATH } from '@enrich/codec';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Bundles the workflows into `dir/workflow-bundle.js` as the worker's `bundle-workflows` target
 * does, and returns its path: the benches' and the chaos suite's workers start from it without
 * webpack, and the shared dist/ is left alone.
 */
export async function writeWorkflowBundle(dir: string): Promise<string> {
  const bundlePath = join(dir, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('@enrich/workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  await writeFile(bundlePath, code);
  return bundlePath;
}
