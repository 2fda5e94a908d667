// The workflow sandbox rule: workflow code may not import Node built-ins, nor (as values) the
// modules that do I/O. Type-only imports are erased at compile time and are fine.
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../../src');
const WORKFLOWS = path.join(ROOT, 'workflows');
// The pure model is bundled with the workflows, so it obeys the same rule.
const MODEL = path.join(ROOT, 'model');
const FORBIDDEN_DIRS = ['activities', 'worker', 'client', 'common', 'atlassian', 'storage', 'pipeline'];
const BUILTINS = new Set(builtinModules);

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]);
}

function forbiddenDir(specifier: string, fromFile: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const relative = path.relative(ROOT, path.resolve(path.dirname(fromFile), specifier));
  if (relative.startsWith('..')) return relative;
  return FORBIDDEN_DIRS.find((dir) => relative === dir || relative.startsWith(dir + path.sep));
}

interface ModuleReference {
  specifier: string;
  typeOnly: boolean;
  line: number;
}

/** Every module a source file refers to: imports, re-exports, require() and import(). */
function moduleReferences(source: string, fileName: string): ModuleReference[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const refs: ModuleReference[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined, typeOnly: boolean) => {
    if (literal && ts.isStringLiteralLike(literal)) {
      refs.push({ specifier: literal.text, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node, node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) add(node, ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined, true);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** The rule violations in one workflow source file, as readable lines. */
function workflowImportViolations(source: string, fileName: string): string[] {
  const where = path.relative(ROOT, fileName);
  return moduleReferences(source, fileName).flatMap(({ specifier, typeOnly, line }) => {
    if (isBuiltin(specifier)) return [`${where}:${line}: imports the Node built-in '${specifier}'`];
    const dir = forbiddenDir(specifier, fileName);
    if (dir && !typeOnly) return [`${where}:${line}: value import of '${specifier}' (${dir}/ does I/O); use 'import type'`];
    return [];
  });
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('workflow imports', () => {
  const files = [...tsFiles(WORKFLOWS), ...tsFiles(MODEL)];

  it('finds the workflow sources', () => {
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['collect.ts', 'state.ts', 'types.ts', 'index.ts', 'position.ts']));
  });

  it('no workflow file imports a Node built-in or a value from an I/O module', () => {
    const violations = files.flatMap((file) => workflowImportViolations(readFileSync(file, 'utf8'), file));
    expect(violations).toEqual([]);
  });
});

describe('the scanner itself', () => {
  const sampleFile = path.join(WORKFLOWS, 'sample.ts');
  const scan = (source: string) => workflowImportViolations(source, sampleFile);

  it('flags value imports from I/O modules and Node built-ins', () => {
    const violations = scan(`import { x } from '../activities';\nimport fs from 'fs';\n`);
    expect(violations).toHaveLength(2);
    expect(violations[0]).toContain("'../activities'");
    expect(violations[1]).toContain("'fs'");
  });

  it.each([
    `import { createHash } from 'node:crypto';`,
    `import { join } from 'path/posix';`,
    `import * as zlib from 'zlib';`,
    `import { retryDelayMs } from '../common/errors';`,
    `import { objectKey } from '../storage/keys';`,
    `import '../worker/worker';`,
    `export { loadRules } from '../client/rules';`,
    `import { type RuleDefinition, parseRules } from '../client/rules';`,
    `const http = require('http');`,
    `const m = await import('../../dev/simulator/store');`,
  ])('flags %s', (source) => {
    expect(scan(source)).toHaveLength(1);
  });

  it.each([
    `import type { A } from '../activities';`,
    `import type { Pacer } from '../atlassian/pacer';`,
    `export type { RuleDefinition } from '../client/rules';`,
    `import { proxyActivities } from '@temporalio/workflow';`,
    `import { stateAfter } from '../model/state';`,
    `import { parseDuration } from '../model/duration';`,
    `// import fs from 'fs';\nconst s = "import { x } from '../activities'";`,
  ])('does not flag %s', (source) => {
    expect(scan(source)).toEqual([]);
  });
});
