import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The suite runs on the Node.js of .nvmrc (tools/node.sh puts it first on PATH; jest's workers
// inherit its binary). An older node here means a script started the tests without it.
describe('the Node.js running the tests', () => {
  it('is the major version of .nvmrc or newer', () => {
    const wanted = readFileSync(join(__dirname, '..', '..', '..', '.nvmrc'), 'utf8')
      .trim()
      .replace(/^v/, '');
    const major = (version: string) => Number(version.split('.')[0]);
    console.log(`node --version: ${process.version} (wanted ${wanted} from .nvmrc)`);
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(major(wanted));
  });
});
