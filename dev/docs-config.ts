// npm run docs:config: writes docs/configuration.md from the list of environment variables
// (src/cli/environment.ts); test/unit/environment.test.ts fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationMarkdown } from '../src/cli/environment';

const file = join(__dirname, '..', 'docs', 'configuration.md');
writeFileSync(file, configurationMarkdown());
console.log(`wrote ${file}`);
