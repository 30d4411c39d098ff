// Jest global setup of the projects whose suites run on real services (the worker, the gateway, the
// codec server, ...): when the run was not given them (tools/test.sh exports them for `npm test`),
// tools/test-stack.sh brings up the test stack, a migrated template database and mock-enrichment,
// and their variables are set here before the test workers start, so `npx nx test <project>` works
// by itself. What it starts stays up for the next run.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const NEEDED = ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'TEST_TEMPLATE_DATABASE', 'MOCK_ENRICHMENT_URL', 'KMS_ENDPOINT', 'KAFKA_BROKERS'];

module.exports = async function globalSetup() {
  if (NEEDED.every((name) => process.env[name])) return;
  const root = path.resolve(__dirname, '../..');
  const output = execFileSync('bash', [path.join(root, 'tools/test-stack.sh')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  });
  for (const line of output.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) process.env[line.slice(0, at)] ??= line.slice(at + 1);
  }
};
