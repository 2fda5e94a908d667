// covers: README.md's table of contents and its Deploy section
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

const headings = [...README.matchAll(/^(##|###) (.+)$/gm)].map((m) => ({ level: m[1]!, text: m[2]! })).filter((h) => h.text !== 'Contents');

test('the table of contents at the top lists every section and subsection, in order, with working anchors', () => {
  const contents = README.slice(README.indexOf('## Contents'), README.indexOf('\n## ', README.indexOf('## Contents') + 1));
  const entries = [...contents.matchAll(/^( *)- \[([^\]]+)\]\(#([^)]+)\)$/gm)].map((m) => ({ level: m[1] ? '###' : '##', anchor: m[3] }));
  expect(entries).toEqual(headings.map((h) => ({ level: h.level, anchor: anchor(h.text) })));
  // At the top: the first section.
  expect(/^## (.+)$/m.exec(README)?.[1]).toBe('Contents');
});

test('Deploy comes before the developer material and links the deployment guides', () => {
  const deploy = README.slice(README.indexOf('## Deploy'), README.indexOf('## The two commands'));
  expect(README.indexOf('## Deploy')).toBeLessThan(README.indexOf('## The two commands'));
  for (const link of ['(docs/deploy.md)', '(docs/aws.md)', '(docs/configuration.md)']) expect(deploy).toContain(link);
});
