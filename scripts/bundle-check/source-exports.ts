// What a source module of the app's functions directory exports at run time, read from its syntax
// (TypeScript's parser, no type checking): the names a bundle of it must export too. Type-only
// exports are left out; `export * from "./x"` follows relative modules, and one from a package
// adds nothing (its names cannot be known without resolving the package, so they are not required).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import ts from "typescript";

/** The extensions Convex's bundler accepts as entry points (`ENTRY_POINT_EXTENSIONS` in convex/dist/esm/bundler). */
export const ENTRY_POINT_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx"];

/** The source file a bundle module (`replay/chunk.js`, relative to the functions directory) was built from. */
export function sourceFileOf(functionsDir: string, modulePath: string): string | undefined {
  const stem = join(functionsDir, modulePath.replace(/\.js$/, ""));
  return ENTRY_POINT_EXTENSIONS.map((extension) => stem + extension).find((file) => existsSync(file));
}

/** Names the module exports as values (`default` for a default export). */
export function sourceValueExports(file: string, seen = new Set<string>()): Set<string> {
  const names = new Set<string>();
  if (seen.has(file)) return names;
  seen.add(file);
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false, scriptKindOf(file));
  const typeOnlyLocals = typeOnlyLocalNames(source);

  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue;
      const from = statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : undefined;
      const clause = statement.exportClause;
      if (!clause) {
        const target = from !== undefined ? resolveRelative(file, from) : undefined;
        if (target) for (const name of sourceValueExports(target, seen)) if (name !== "default") names.add(name);
      } else if (ts.isNamespaceExport(clause)) {
        names.add(clause.name.text);
      } else {
        for (const element of clause.elements) {
          if (element.isTypeOnly) continue;
          const local = (element.propertyName ?? element.name).getText(source);
          if (from === undefined && typeOnlyLocals.has(local)) continue;
          names.add(element.name.getText(source));
        }
      }
      continue;
    }
    if (ts.isExportAssignment(statement)) {
      if (!statement.isExportEquals) names.add("default");
      continue;
    }
    const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
    if (!modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
    const isDefault = modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) collectBindingNames(declaration.name, names);
    } else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) {
      names.add(isDefault || !statement.name ? "default" : statement.name.text);
    } else if (ts.isEnumDeclaration(statement)) {
      if (!modifiers.some((m) => m.kind === ts.SyntaxKind.ConstKeyword)) names.add(statement.name.text);
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      // A namespace of types only emits nothing.
      const body = statement.body && ts.isModuleBlock(statement.body) ? statement.body.statements : [];
      if (body.some((inner) => !ts.isInterfaceDeclaration(inner) && !ts.isTypeAliasDeclaration(inner))) names.add(statement.name.text);
    }
    // Interfaces and type aliases are types only.
  }
  return names;
}

function scriptKindOf(file: string): ts.ScriptKind {
  switch (extname(file)) {
    case ".tsx":
      return ts.ScriptKind.TSX;
    case ".jsx":
      return ts.ScriptKind.JSX;
    case ".js":
    case ".mjs":
    case ".cjs":
      return ts.ScriptKind.JS;
    default:
      return ts.ScriptKind.TS;
  }
}

/** Local names that denote only a type: interfaces, type aliases, `import type` bindings. */
function typeOnlyLocalNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) names.add(statement.name.text);
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.isTypeOnly) {
        if (clause.name) names.add(clause.name.text);
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
        if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
      } else if (clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
        for (const element of clause.namedBindings.elements) if (element.isTypeOnly) names.add(element.name.text);
      }
    }
  }
  return names;
}

function collectBindingNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) {
    into.add(name.text);
    return;
  }
  for (const element of name.elements) if (!ts.isOmittedExpression(element)) collectBindingNames(element.name, into);
}

function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = join(dirname(from), specifier);
  // `./x.js` names `x.ts` in TypeScript sources; `./x` and `./x/index` are tried with every extension.
  const stems = [base, base.replace(/\.[cm]?jsx?$/, ""), join(base, "index")];
  const candidates = [base, ...stems.flatMap((stem) => ENTRY_POINT_EXTENSIONS.map((extension) => stem + extension))];
  return candidates.find((file) => ENTRY_POINT_EXTENSIONS.includes(extname(file)) && existsSync(file) && statSync(file).isFile());
}
