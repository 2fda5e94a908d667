// covers: ARCHITECTURE.md (its folder table and the file names it gives, against the tree)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
const table = doc.slice(doc.indexOf('## Folders'), doc.indexOf('## Who may import whom'));
/** The folders the table has a row for: `src/x/`, `dev/`, `test/`. */
const rows = [...table.matchAll(/^\| `([^`]+)\/` \|/gm)].map((m) => m[1]!);
const dirs = (path: string) =>
  readdirSync(join(ROOT, path), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `${path}/${d.name}`);

/** The names of every file (`x.ts`) and folder (`x/`) under `path`, at any depth. */
function entries(path: string): string[] {
  return readdirSync(join(ROOT, path), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? [`${d.name}/`, ...entries(`${path}/${d.name}`)] : [d.name],
  );
}

test('every folder of src/ has a row in the folder table, and every row names a folder that exists', () => {
  expect(rows.filter((row) => row.startsWith('src/')).sort()).toEqual(dirs('src').sort());
  for (const row of rows) expect(existsSync(join(ROOT, row))).toBe(true);
});

test('every file or folder a row names in backquotes exists in that folder', () => {
  for (const line of table.split('\n').filter((l) => l.startsWith('| `'))) {
    const folder = /^\| `([^`]+)` \|/.exec(line)![1]!;
    const cell = line.slice(line.indexOf('|', 2));
    for (const [, name] of cell.matchAll(/`([\w.-]+(?:\.ts|\/))`/g)) {
      // A name in a row is a file or folder somewhere under the row's folder (the CLI's row also names src/client/'s).
      const under = [folder, ...(folder === 'src/cli' ? ['src/client'] : [])].flatMap((f) => entries(f));
      expect({ folder, name, exists: under.includes(name!) }).toEqual({ folder, name, exists: true });
    }
  }
});
