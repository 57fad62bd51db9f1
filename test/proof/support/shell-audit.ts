// Static audit: no child_process call in our code may go through a shell. Parsed with the TypeScript
// compiler (JS files too), so `db.exec(...)` (SQLite) or `regex.exec(...)` are not confused with
// child_process.exec, and comments never count.
import ts from 'typescript';

export interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

const CHILD_PROCESS = new Set(['child_process', 'node:child_process']);
/** Functions of child_process that always run a shell. */
const SHELL_FUNCS = new Set(['exec', 'execSync']);
/** Functions that run a program with an argv array (fine unless told to use a shell). */
const ARGV_FUNCS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'fork']);
const SHELL_NAME = /^(?:\/usr)?(?:\/s?bin\/|\/usr\/bin\/env\s+)?(?:ba|da|z|k|c|tc|fi|a)?sh$|^(?:.*[\\/])?cmd(?:\.exe)?$/i;
const SHELL_TEXT = /(?:^|[\s'"`])(?:\/bin\/sh|\/bin\/bash)\b|\b(?:ba|da|z)?sh\s+-c\b|\bcmd(?:\.exe)?\s+\/[cCkK]\b/;
const SCRIPT_FLAGS = new Set(['-c', '/c', '/k', '-command', '-encodedcommand']);

/** Findings for one source text. `file` is only used in the report. */
export function auditSource(file: string, text: string): Finding[] {
  const kind = /\.(c|m)?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, kind);
  const findings: Finding[] = [];
  const add = (node: ts.Node, rule: string): void => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    findings.push({ file, line: line + 1, rule, text: node.getText(sf).slice(0, 120) });
  };

  // Local names bound to child_process: namespaces (`import * as cp`, `const cp = require(...)`) and
  // functions (`import { exec as run }`, `const { execSync } = require(...)`).
  const namespaces = new Set<string>();
  const funcs = new Map<string, string>();
  const isChildProcessRequire = (e: ts.Expression | undefined): boolean =>
    !!e &&
    ts.isCallExpression(e) &&
    ts.isIdentifier(e.expression) &&
    e.expression.text === 'require' &&
    e.arguments.length === 1 &&
    ts.isStringLiteralLike(e.arguments[0]!) &&
    CHILD_PROCESS.has(e.arguments[0].text);

  const collect = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && CHILD_PROCESS.has(node.moduleSpecifier.text)) {
      const b = node.importClause?.namedBindings;
      if (node.importClause?.name) namespaces.add(node.importClause.name.text);
      if (b && ts.isNamespaceImport(b)) namespaces.add(b.name.text);
      if (b && ts.isNamedImports(b)) for (const el of b.elements) funcs.set(el.name.text, (el.propertyName ?? el.name).text);
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const m = node.moduleReference.expression;
      if (ts.isStringLiteral(m) && CHILD_PROCESS.has(m.text)) namespaces.add(node.name.text);
    }
    if (ts.isVariableDeclaration(node) && isChildProcessRequire(node.initializer)) {
      if (ts.isIdentifier(node.name)) namespaces.add(node.name.text);
      else if (ts.isObjectBindingPattern(node.name)) {
        for (const el of node.name.elements) {
          if (!ts.isIdentifier(el.name)) continue;
          const prop = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
          funcs.set(el.name.text, prop);
        }
      }
    }
    ts.forEachChild(node, collect);
  };
  collect(sf);
  const usesChildProcess = namespaces.size > 0 || funcs.size > 0;

  /** The child_process function a call expression invokes, if any. */
  const calledFunc = (call: ts.CallExpression): string | null => {
    const e = call.expression;
    if (ts.isIdentifier(e)) return funcs.get(e.text) ?? null;
    if (ts.isPropertyAccessExpression(e)) {
      const target = e.expression;
      if ((ts.isIdentifier(target) && namespaces.has(target.text)) || isChildProcessRequire(target)) return e.name.text;
    }
    return null;
  };

  const literal = (e: ts.Expression | undefined): string | null =>
    e && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) ? e.text : null;

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const fn = calledFunc(node);
      if (fn && SHELL_FUNCS.has(fn)) add(node, `child_process.${fn} runs a shell`);
      if (fn && ARGV_FUNCS.has(fn)) {
        const cmd = literal(node.arguments[0]);
        if (cmd !== null && SHELL_NAME.test(cmd.trim())) add(node, `${fn}(${JSON.stringify(cmd)}) starts a shell`);
      }
    }
    // `shell: true` or a shell path in any object literal (an options bag may reach spawn through a
    // wrapper); in a file that uses child_process, any `shell` other than false. (Electron's `shell`
    // module in an object of Electron modules is not an option.)
    if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) && node.name.text === 'shell') {
      const v = node.initializer;
      const constant = v.kind === ts.SyntaxKind.TrueKeyword || literal(v) !== null;
      if (v.kind !== ts.SyntaxKind.FalseKeyword && (constant || usesChildProcess)) add(node, 'shell option other than false');
    }
    if (ts.isShorthandPropertyAssignment(node) && node.name.text === 'shell' && usesChildProcess) add(node, 'shell option from a variable');
    // An argv list that hands a script to a shell or interpreter: the script must be a constant.
    if (ts.isArrayLiteralExpression(node)) {
      const els = node.elements;
      els.forEach((el, i) => {
        const v = literal(el as ts.Expression);
        if (v !== null && SHELL_NAME.test(v.trim()) && els.slice(i + 1).some((n) => SCRIPT_FLAGS.has((literal(n as ts.Expression) ?? '').toLowerCase()))) {
          add(node, `argv runs ${v} with a script`);
        }
        if (v !== null && SCRIPT_FLAGS.has(v.toLowerCase()) && v.toLowerCase() !== '-c') {
          const next = els[i + 1] as ts.Expression | undefined;
          if (next && literal(next) === null && !ts.isIdentifier(next)) add(node, `${v} with a script built at run time`);
        }
      });
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      if (SHELL_TEXT.test(node.text)) add(node, 'shell command line in a string');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}
