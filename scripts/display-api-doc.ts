/**
 * Generates docs/display-api.md from the route table (common/display-api.ts): request fields from
 * the routes' zod schemas, response fields from their TypeScript types (read with the compiler
 * API, JSDoc included), and every type they reach in common/.
 *
 *   npm run docs:api            rewrite docs/display-api.md
 *   tsx scripts/display-api-doc.ts --check   exit 1 when it is stale (scripts/display-api-doc.test.ts does the same)
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { toJSONSchema, type core } from 'zod/mini';
import { API_ROUTES, type RouteName } from '../common/display-api';
import { GENERIC_ERRORS, type RouteDef } from '../common/api-route';
import { CONTRACT_VERSION } from '../common/display-contract';
import { DOC_INTRO, DOC_TYPES_INTRO } from './display-api-doc-text';

const ROOT = path.resolve(__dirname, '..');
export const DOC_FILE = path.join(ROOT, 'docs', 'display-api.md');
const TABLE_FILE = path.join(ROOT, 'common', 'display-api.ts');

type Json = { [k: string]: unknown };
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (s: string) => '`' + cell(s) + '`';

// ---------------------------------------------------------------- request fields (JSON Schema from zod)

function schemaType(s: Json): string {
  if (Array.isArray(s.prefixItems)) return `[${(s.prefixItems as Json[]).map(schemaType).join(', ')}]`;
  if (s.type === 'array') return `list of ${schemaType((s.items as Json) ?? {})}`;
  if (s.type === 'string') return 'text';
  if (s.type === 'number') return 'number';
  if (s.type === 'object') return 'object';
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(' or ');
  return String(s.type ?? 'any');
}

function limits(s: Json): string {
  const out: string[] = [];
  if (s.minLength === 1) out.push('not empty');
  if (typeof s.maxLength === 'number') out.push(`at most ${s.maxLength} characters`);
  if (!Array.isArray(s.prefixItems)) {
    const items = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
    if (typeof s.minItems === 'number') out.push(`at least ${items(s.minItems)}`);
    if (typeof s.maxItems === 'number') out.push(`at most ${items(s.maxItems)}`);
  }
  if (typeof s.pattern === 'string') out.push(`matches ${code(s.pattern)}`);
  return out.join(', ');
}

function fieldRows(s: Json, prefix: string, rows: string[]): void {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  for (const [k, p] of Object.entries(props)) {
    const name = prefix + k;
    const what = [typeof p.description === 'string' ? p.description : '', limits(p)].filter(Boolean).join('; ');
    rows.push(`| ${code(name)} | ${schemaType(p)} | ${required.has(k) ? 'yes' : 'no'} | ${cell(what)} |`);
    if (p.type === 'object') fieldRows(p, `${name}.`, rows);
    if (p.type === 'array' && (p.items as Json | undefined)?.type === 'object') fieldRows(p.items as Json, `${name}[].`, rows);
  }
}

function fieldTable(schema: core.$ZodType): string[] {
  const rows = ['| field | type | required | meaning |', '| --- | --- | --- | --- |'];
  fieldRows(toJSONSchema(schema) as Json, '', rows);
  return rows;
}

// ---------------------------------------------------------------- response types (TypeScript compiler API)

class TypeDoc {
  private readonly checker: ts.TypeChecker;
  private readonly at: ts.Node;
  private readonly routes: ts.Type;
  /** Named types of common/ reached from a response, by name. */
  readonly named = new Map<string, ts.Symbol>();

  constructor() {
    const program = ts.createProgram([TABLE_FILE], {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    });
    this.checker = program.getTypeChecker();
    const sf = program.getSourceFile(TABLE_FILE)!;
    let decl: ts.VariableDeclaration | undefined;
    const visit = (n: ts.Node) => {
      if (ts.isVariableDeclaration(n) && n.name.getText(sf) === 'API_ROUTES') decl = n;
      else ts.forEachChild(n, visit);
    };
    visit(sf);
    if (!decl) throw new Error(`${TABLE_FILE}: no API_ROUTES`);
    this.at = decl;
    this.routes = this.checker.getTypeAtLocation(decl.name);
  }

  private typeOf(sym: ts.Symbol): ts.Type {
    return this.checker.getTypeOfSymbolAtLocation(sym, this.at);
  }

  str(t: ts.Type): string {
    return this.checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType);
  }

  /** The members of route `name`'s response type T (from `json<T>()`) without the `undefined` of the optional marker; null for binary. */
  response(name: string): ts.Type[] | null {
    const route = this.typeOf(this.routes.getProperty(name)!);
    const resp = this.typeOf(route.getProperty('response')!);
    if (this.str(this.typeOf(resp.getProperty('kind')!)) === "'binary'") return null;
    const t = this.typeOf(resp.getProperty('type')!);
    return t.isUnion() ? t.types.filter((m) => !(m.flags & ts.TypeFlags.Undefined)) : [t];
  }

  private namedSymbol(t: ts.Type): ts.Symbol | null {
    const sym = t.aliasSymbol ?? t.getSymbol();
    const d = sym?.declarations?.[0];
    if (!sym || !d || !(ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d))) return null;
    return d.getSourceFile().fileName.startsWith(path.join(ROOT, 'common') + path.sep) ? sym : null;
  }

  /** Records every named type of common/ that `t` reaches. */
  collect(t: ts.Type, depth = 0): void {
    if (depth > 12) return;
    if (t.isUnion()) return t.types.forEach((m) => this.collect(m, depth + 1));
    if (this.checker.isArrayType(t) || this.checker.isTupleType(t))
      return this.checker.getTypeArguments(t as ts.TypeReference).forEach((a) => this.collect(a, depth + 1));
    for (const a of t.aliasTypeArguments ?? []) this.collect(a, depth + 1);
    const sym = this.namedSymbol(t);
    if (sym) {
      if (this.named.has(sym.name)) return;
      this.named.set(sym.name, sym);
    } else if (!(t.flags & ts.TypeFlags.Object) || !t.getSymbol() || !['__type', '__object'].includes(t.getSymbol()!.name)) return;
    for (const p of t.getProperties()) this.collect(this.typeOf(p), depth + 1);
  }

  /** A fields table of an object type (null when it has no properties of its own to list). */
  fields(t: ts.Type): string[] | null {
    const props = this.checker.getPropertiesOfType(t);
    if (!(t.flags & ts.TypeFlags.Object) || props.length === 0 || this.checker.isArrayType(t)) return null;
    const rows = ['| field | type | meaning |', '| --- | --- | --- |'];
    for (const p of props) {
      const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
      const type = this.str(this.typeOf(p)).replace(/ \| undefined$/, '');
      rows.push(`| ${code(p.name + (optional ? '?' : ''))} | ${code(type)} | ${cell(ts.displayPartsToString(p.getDocumentationComment(this.checker)))} |`);
    }
    return rows;
  }

  /** Markdown for one named type of the appendix. */
  namedSection(sym: ts.Symbol): string[] {
    const out = [`### ${sym.name}`, ''];
    const doc = ts.displayPartsToString(sym.getDocumentationComment(this.checker));
    if (doc) out.push(doc.replace(/\s*\n\s*/g, ' '), '');
    const t = this.checker.getDeclaredTypeOfSymbol(sym);
    const table = sym.declarations!.some(ts.isInterfaceDeclaration) ? this.fields(t) : null;
    if (table) return [...out, ...table, ''];
    const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;
    return [...out, '```ts', `type ${sym.name} = ${this.checker.typeToString(t, undefined, flags)};`, '```', ''];
  }

  /** The element type of an array, else the type itself. */
  element(t: ts.Type): ts.Type {
    return this.checker.isArrayType(t) ? this.checker.getTypeArguments(t as ts.TypeReference)[0] : t;
  }

  isNamed(t: ts.Type): boolean {
    return this.namedSymbol(t) !== null;
  }
}

const anchor = (name: string) => `#${name.toLowerCase()}`;

function routeSection(name: RouteName, def: RouteDef, types: TypeDoc): string[] {
  const out = [`### ${name}: \`${def.method} ${def.path}\``, '', def.summary, ''];
  const params = [...def.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
  if (params.length) out.push(`Path parameters: ${params.map((p) => code(p)).join(', ')} (text, URL-encoded).`, '');
  if (def.query) out.push('Query parameters:', '', ...fieldTable(def.query), '');
  if (def.body) out.push('Request body (JSON; unknown fields are ignored):', '', ...fieldTable(def.body), '');
  else if (def.method === 'POST') out.push('No request body.', '');
  const members = types.response(name);
  if (!members) out.push(`Response \`${def.status}\`: the raw bytes (\`application/octet-stream\`).`, '');
  else {
    members.forEach((m) => types.collect(m));
    const named = members
      .map((m) => types.element(m))
      .filter((m) => types.isNamed(m))
      .map((m) => types.str(m));
    const links = named.length ? ` (see ${named.map((n) => `[${n}](${anchor(n)})`).join(', ')})` : '';
    out.push(`Response \`${def.status}\`: ${code(members.map((m) => types.str(m)).join(' | '))}${links}`, '');
    const table = members.length === 1 && !types.isNamed(members[0]) ? types.fields(members[0]) : null;
    if (table) out.push(...table, '');
  }
  const errors = Object.entries(def.errors);
  if (errors.length) out.push('Errors:', '', '| status | when |', '| --- | --- |', ...errors.map(([s, why]) => `| ${s} | ${cell(why as string)} |`), '');
  return out;
}

/** The whole of docs/display-api.md. */
export function renderDisplayApiDoc(): string {
  const types = new TypeDoc();
  const names = Object.keys(API_ROUTES) as RouteName[];
  const out: string[] = [DOC_INTRO.replace(/\{CONTRACT_VERSION\}/g, String(CONTRACT_VERSION)), ''];
  out.push(
    '## Errors every route can answer',
    '',
    'Every error answer is JSON `{"error": "message"}`, from the recorder also `"code"` (e.g. `REC_NO_CASE`).',
    '',
  );
  out.push('| status | when |', '| --- | --- |', ...Object.entries(GENERIC_ERRORS).map(([s, why]) => `| ${s} | ${cell(why)} |`), '');
  out.push('## Routes', '', '| route | method | path | success |', '| --- | --- | --- | --- |');
  for (const n of names) {
    const { method, path: p, status } = API_ROUTES[n];
    // GitHub's anchor of the route's heading "name: `METHOD /path`".
    const heading = `${n}-${method}-${p.replace(/[/:]/g, '')}`.toLowerCase();
    out.push(`| [${n}](#${heading}) | ${method} | \`${p}\` | ${status} |`);
  }
  out.push('');
  for (const n of names) out.push(...routeSection(n, API_ROUTES[n], types));
  out.push('## Types', '', DOC_TYPES_INTRO, '');
  for (const name of [...types.named.keys()].sort()) out.push(...types.namedSection(types.named.get(name)!));
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

if (require.main === module) {
  const doc = renderDisplayApiDoc();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(DOC_FILE) ? fs.readFileSync(DOC_FILE, 'utf8') : '';
    if (current !== doc) {
      console.error(`${path.relative(ROOT, DOC_FILE)} is stale: run "npm run docs:api"`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(DOC_FILE, doc);
    console.log(`wrote ${path.relative(ROOT, DOC_FILE)}`);
  }
}
