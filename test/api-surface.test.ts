/**
 * API snapshot: every name each public entry point exports (values and types, from the compiler's
 * view of the sources) and the public members of the main classes with their signatures, compared
 * with the committed `test/__snapshots__/api-surface.txt`. A change to the public surface fails
 * this test until the snapshot is updated on purpose (`pnpm vitest run test/api-surface -u`), so
 * it shows up in review. Private (`#`, `private`, `protected`) members never appear.
 */
import { join } from "node:path";
import { inMemoryStorage, Repository, Session, SessionStore } from "@icechunk-ts/core";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

const ENTRY_POINTS = {
  "@icechunk-ts/core": "packages/core/src/index.ts",
  "@icechunk-ts/core/fs": "packages/core/src/fs.ts",
  "@icechunk-ts/zarrita": "packages/zarrita/src/index.ts",
  "@icechunk-ts/s3": "packages/s3/src/index.ts",
};

/** Classes whose public members are part of the snapshot (entry point → class names). */
const CLASSES: Record<string, string[]> = {
  "@icechunk-ts/core": [
    "Repository",
    "Session",
    "SessionStore",
    "BasicConflictSolver",
    "ConflictDetector",
    "IcechunkError",
  ],
  "@icechunk-ts/zarrita": ["IcechunkStore"],
  "@icechunk-ts/s3": ["IcechunkRetryStrategy"],
};

function kindOf(symbol: ts.Symbol): string {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return "class";
  if (f & ts.SymbolFlags.Function) return "function";
  if (f & ts.SymbolFlags.Interface) return "interface";
  if (f & ts.SymbolFlags.TypeAlias) return "type";
  if (f & ts.SymbolFlags.Enum) return "enum";
  if (f & ts.SymbolFlags.Variable) return "const";
  return "other";
}

/** Public and declared in this workspace (not inherited from `Error` and the like). */
function isPublic(symbol: ts.Symbol): boolean {
  if (symbol.name.startsWith("#") || symbol.name.startsWith("__#")) return false;
  const ours = (symbol.declarations ?? []).some((d) =>
    d.getSourceFile().fileName.startsWith(join(ROOT, "packages")),
  );
  if (!ours) return false;
  return !(symbol.declarations ?? []).some(
    (d) =>
      ts.isPrivateIdentifier((d as ts.NamedDeclaration).name as ts.Node) ||
      (ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !==
        0,
  );
}

/** `export type { X }` (or `export type *`): a value (class) exported for its type only. */
function isTypeOnly(exported: ts.Symbol): boolean {
  return (exported.declarations ?? []).some(
    (d) =>
      (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) ||
      (ts.isExportDeclaration(d) && d.isTypeOnly),
  );
}

let programCache: ts.Program | undefined;
function program(): ts.Program {
  programCache ??= ts.createProgram(
    Object.values(ENTRY_POINTS).map((p) => join(ROOT, p)),
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      // the workspace packages' sources, as the repository's tsconfig reads them (not dist/)
      customConditions: ["@icechunk-ts/source"],
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      noEmit: true,
    },
  );
  return programCache;
}

/** Every export of every entry point: [entry point, exported name, the symbol it stands for]. */
function exportsOf(): Array<[string, string, ts.Symbol]> {
  const checker = program().getTypeChecker();
  const out: Array<[string, string, ts.Symbol]> = [];
  for (const [name, path] of Object.entries(ENTRY_POINTS)) {
    const file = program().getSourceFile(join(ROOT, path));
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    if (!moduleSymbol) throw new Error(`cannot load ${path}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol))
      out.push([
        name,
        exported.name,
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported,
      ]);
  }
  return out;
}

/** Entry points that must show an `@example` in their JSDoc. */
const EXAMPLES = [
  "Repository",
  "Repository.open",
  "Repository.create",
  "Repository.openOrCreate",
  "Repository.readonlySession",
  "Repository.writableSession",
  "Session",
  "SessionStore",
  "IcechunkStore",
  "httpStorage",
  "inMemoryStorage",
  "localFilesystemStorage",
  "s3Storage",
  "isIcechunkError",
];

/** Exports and main-class members without JSDoc, and entry points without an example. */
function missingDocs(): { undocumented: string[]; withoutExample: string[] } {
  const checker = program().getTypeChecker();
  const undocumented: string[] = [];
  const examples = new Set<string>();
  const documented = (symbol: ts.Symbol, label: string) => {
    const decls = symbol.declarations ?? [];
    const hasDoc =
      symbol.getDocumentationComment(checker).length > 0 ||
      decls.some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
    if (!hasDoc) undocumented.push(label);
    if (decls.some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === "example")))
      examples.add(label);
  };
  for (const [entry, name, symbol] of exportsOf()) {
    documented(symbol, name);
    if (!CLASSES[entry]?.includes(name)) continue;
    const statics = checker.getTypeOfSymbol(symbol).getProperties();
    const members = checker.getDeclaredTypeOfSymbol(symbol).getProperties();
    for (const m of [...statics, ...members])
      if (m.name !== "prototype" && isPublic(m)) documented(m, `${name}.${m.name}`);
  }
  return {
    undocumented: undocumented.sort(),
    withoutExample: EXAMPLES.filter((e) => !examples.has(e)),
  };
}

let computed: string | undefined;
function surface(): string {
  computed ??= computeSurface();
  return computed;
}

function computeSurface(): string {
  const checker = program().getTypeChecker();
  const flags = ts.TypeFormatFlags.NoTruncation;
  const lines: string[] = [];
  for (const [name, path] of Object.entries(ENTRY_POINTS)) {
    const file = program().getSourceFile(join(ROOT, path));
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    if (!moduleSymbol) throw new Error(`cannot load ${path}`);
    lines.push(`# ${name}`);
    const exports = checker.getExportsOfModule(moduleSymbol);
    for (const exported of [...exports].sort((a, b) => a.name.localeCompare(b.name))) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      lines.push(`${isTypeOnly(exported) ? "type-only " : ""}${kindOf(symbol)} ${exported.name}`);
      if (!CLASSES[name]?.includes(exported.name)) continue;
      const members: string[] = [];
      const decl = symbol.valueDeclaration;
      if (decl && ts.isClassDeclaration(decl)) {
        const ctor = decl.members.find(ts.isConstructorDeclaration);
        const ctorFlags = ctor ? ts.getCombinedModifierFlags(ctor) : 0;
        if (ctorFlags & ts.ModifierFlags.Private) members.push("private constructor");
        else if (ctorFlags & ts.ModifierFlags.Protected) members.push("protected constructor");
        else {
          const ctorType = checker.getTypeOfSymbolAtLocation(symbol, decl);
          for (const sig of ctorType.getConstructSignatures())
            members.push(`constructor${checker.signatureToString(sig, undefined, flags)}`);
        }
      }
      const staticType = checker.getTypeOfSymbol(symbol);
      for (const m of staticType.getProperties()) {
        if (m.name === "prototype" || !isPublic(m)) continue;
        members.push(
          `static ${m.name}: ${checker.typeToString(checker.getTypeOfSymbol(m), undefined, flags)}`,
        );
      }
      const instanceType = checker.getDeclaredTypeOfSymbol(symbol);
      for (const m of instanceType.getProperties()) {
        if (!isPublic(m)) continue;
        const readonly = (m.declarations ?? []).some(
          (d) =>
            (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Readonly) !== 0 ||
            (ts.isGetAccessor(d) && !(m.flags & ts.SymbolFlags.SetAccessor)),
        );
        members.push(
          `${readonly ? "readonly " : ""}${m.name}: ${checker.typeToString(checker.getTypeOfSymbol(m), undefined, flags)}`,
        );
      }
      for (const m of members.sort()) lines.push(`  ${m}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

describe("API surface", () => {
  it("matches the committed snapshot (update it deliberately with -u)", async () => {
    await expect(surface()).toMatchFileSnapshot("./__snapshots__/api-surface.txt");
  });

  it("runtime exports are exactly the value exports of the snapshot", async () => {
    const text = surface();
    for (const [name, path] of Object.entries(ENTRY_POINTS)) {
      const mod = (await import(join(ROOT, path))) as Record<string, unknown>;
      const section = text.split(`# ${name}\n`)[1]!.split("\n\n")[0]!;
      const values = section
        .split("\n")
        .filter((l) => /^(class|function|const|enum) /.test(l))
        .map((l) => l.split(" ")[1]);
      expect(Object.keys(mod).sort(), name).toEqual(values.sort());
    }
  });

  it("every export and every public member of the main classes has JSDoc; entry points show an example", () => {
    expect(missingDocs()).toEqual({ undocumented: [], withoutExample: [] });
  });

  it("session, store and repository internals are out of reach", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const session = await repo.writableSession("main");
    for (const name of ["repo", "changes", "readContext", "writeContext", "resetBase"])
      expect(name in session, name).toBe(false);
    expect("restore" in Session).toBe(false);
    expect("host" in session.store).toBe(false);
    for (const name of ["ctx", "openOptions", "versionControl", "persistedConfig"])
      expect(name in repo, name).toBe(false);
    // constructors are private: sessions come from the repository, stores from sessions
    const typeLevel = () => {
      // @ts-expect-error Session's constructor is private
      new Session(null as never, null as never, null as never);
      // @ts-expect-error SessionStore's constructor is private
      new SessionStore(null as never);
      // @ts-expect-error Repository's constructor is private
      new Repository(null as never, 2, {}, null as never, {}, {});
    };
    expect(typeof typeLevel).toBe("function");
  });
});
