// The README is the reference a user integrates from: every error code, event and option
// the types declare must be documented in its table. The names are read from src/types.ts
// with the TypeScript parser, so a new code, event or option fails this test until documented.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const types = ts.createSourceFile('types.ts', read('src/types.ts'), ts.ScriptTarget.Latest);
const readme = read('README.md');

function declaration<T extends ts.Node>(name: string, is: (node: ts.Node) => node is T): T {
  const found = types.statements.find((s): s is ts.Statement & T => is(s) && (s as unknown as { name: ts.Identifier }).name.text === name);
  if (!found) throw new Error(`src/types.ts declares no ${name}`);
  return found;
}

/** Property names of an interface (`LocalRankOptions`, `LocalRankEvents`, …). */
function members(name: string): string[] {
  return declaration(name, ts.isInterfaceDeclaration).members.map((m) => (m.name as ts.Identifier).text);
}

/** The string literals of a union type alias (`ErrorCode`). */
function literals(name: string): string[] {
  const type = declaration(name, ts.isTypeAliasDeclaration).type;
  if (!ts.isUnionTypeNode(type)) throw new Error(`${name} is not a union`);
  return type.types.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text);
}

/** The README text under a heading, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.replace(/^#+\s*/, '') === heading && l.startsWith('#'));
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const level = lines[start]!.match(/^#+/)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+\s/.test(l) && l.match(/^#+/)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Names in backticks in the first column of the section's tables: `| \`name\` | …` or `| \`a\` / \`b\` | …`. */
function documented(heading: string): Set<string> {
  const firstCells = [...section(heading).matchAll(/^\|([^|]*)\|/gm)].map((m) => m[1]!);
  return new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
}

const missing = (names: string[], heading: string): string[] => {
  const rows = documented(heading);
  return names.filter((n) => !rows.has(n));
};

describe('README.md documents the public surface declared in src/types.ts', () => {
  it('reads the names from the types (so the checks below check something)', () => {
    expect(literals('ErrorCode').length).toBeGreaterThanOrEqual(14);
    expect(members('LocalRankEvents')).toEqual(expect.arrayContaining(['progress', 'backend', 'encoder', 'error', 'degraded']));
    expect(members('LocalRankOptions')).toEqual(expect.arrayContaining(['namespace', 'model', 'runtimeUrl']));
  });

  it('every ErrorCode has a row in "Errors"', () => {
    expect(missing(literals('ErrorCode'), 'Errors')).toEqual([]);
  });

  it('every event of LocalRankEvents has a row in "Events"', () => {
    expect(missing(members('LocalRankEvents'), 'Events')).toEqual([]);
  });

  it('every option of LocalRankOptions, and of ModelOptions as model.<name>, has a row in "Options"', () => {
    const options = [...members('LocalRankOptions'), ...members('ModelOptions').map((m) => `model.${m}`)];
    expect(missing(options, 'Options')).toEqual([]);
  });

  it('every option of RankOptions has a row in "Rank options"', () => {
    expect(missing(members('RankOptions'), 'Rank options')).toEqual([]);
  });

  it('every link to a heading of the README (#anchor) points at one', () => {
    const anchors = new Set(
      readme
        .split('\n')
        .filter((l) => /^#+\s/.test(l))
        .map((l) => l.replace(/^#+\s*/, '').toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-')),
    );
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((l) => !anchors.has(l))).toEqual([]);
  });
});
