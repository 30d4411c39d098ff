// Validates KEDA objects (JSON array on stdin) with the KEDA models of kubernetes-models, which ship
// as ES modules only: deploy.spec.ts runs this in its own Node process rather than through jest.
// Prints one line per invalid object and exits 1 if there is any.
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { text } from 'node:stream/consumers';

const models = { ScaledObject, TriggerAuthentication };
const problems = [];
for (const object of JSON.parse(await text(process.stdin))) {
  const Model = models[object.kind];
  if (!Model) {
    problems.push(`${object.kind}/${object.metadata?.name}: no model for this kind (add it to deploy/src/validate-keda.mjs)`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${object.kind}/${object.metadata?.name}: ${error.message}`);
  }
}
for (const problem of problems) console.log(problem);
process.exit(problems.length > 0 ? 1 : 0);
