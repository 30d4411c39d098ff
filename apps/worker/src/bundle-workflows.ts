import { FAILURE_CONVERTER_PATH } from '@enrich/codec';
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Prebuilds the workflow bundle next to the compiled worker (`nx run @enrich/worker:bundle-workflows`),
 * so a production worker starts without webpack: `main` picks `dist/workflow-bundle.js` up.
 */
async function bundle(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('@enrich/workflows'),
    // Must match the worker's data converter: failures are encrypted by the same converter.
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  const path = join(__dirname, 'workflow-bundle.js');
  await writeFile(path, code);
  process.stdout.write(`wrote ${path} (${(code.length / 1024).toFixed(0)} KiB)\n`);
}

bundle().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
