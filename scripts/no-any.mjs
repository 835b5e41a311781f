#!/usr/bin/env node
// No `any` in the pages and their browser tests: walks the programs of tsconfig.pages.json and
// tsconfig.browser-tests.json with the TypeScript compiler API and fails on every type written as
// `any` (or its JSDoc spellings `*` and `?`, or `Object`, which JSDoc reads as `any`), in TypeScript
// and in JSDoc (`@type`, `@param`, `@returns`, `@typedef`, casts), outside public/vendor.
// Usage: node scripts/no-any.mjs
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CONFIGS = ["tsconfig.pages.json", "tsconfig.browser-tests.json"];
const SKIPPED = ["public/vendor/", "node_modules/"];

/** @param {string} configName */
function program(configName) {
	const path = resolve(root, configName);
	const read = ts.readConfigFile(path, ts.sys.readFile);
	if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
	const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(path), undefined, path);
	return ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
}

/**
 * @param {ts.Node} node
 * @param {ts.TypeChecker} checker
 */
function isAny(node, checker) {
	switch (node.kind) {
		case ts.SyntaxKind.AnyKeyword:
		case ts.SyntaxKind.JSDocAllType:
		case ts.SyntaxKind.JSDocUnknownType:
			return true;
		case ts.SyntaxKind.TypeReference: {
			// `/** @type {const} */ (x)` is a const assertion, not a name.
			if (/** @type {ts.TypeReferenceNode} */ (node).typeName.getText() === "const") return false;
			// `Object` in JSDoc, or a name that resolves to `any` (an alias of it, or nothing at all).
			const type = checker.getTypeFromTypeNode(/** @type {ts.TypeNode} */ (node));
			return (type.flags & ts.TypeFlags.Any) !== 0;
		}
		default:
			return false;
	}
}

/** @type {Map<string, {file: string, line: number, column: number, text: string}>} */
const found = new Map();
for (const config of CONFIGS) {
	const prog = program(config);
	const checker = prog.getTypeChecker();
	const checkJs = prog.getCompilerOptions().checkJs === true;
	for (const source of prog.getSourceFiles()) {
		const file = relative(root, source.fileName);
		if (file.startsWith("..") || SKIPPED.some((p) => file.startsWith(p)) || file.includes("/node_modules/")) continue;
		// A script a test imports but the program does not check (no checkJs) is not part of it.
		const js = /\.[cm]?js$/.test(file);
		if (js && !checkJs && !/^\s*\/\/ @ts-check/m.test(source.text)) continue;
		/** @param {ts.Node} node */
		const visit = (node) => {
			if (isAny(node, checker)) {
				const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
				const key = `${file}:${line + 1}:${character + 1}`;
				found.set(key, { file, line: line + 1, column: character + 1, text: node.getText(source) });
			}
			// JSDoc comments hang off the nodes they document and are not among their children.
			for (const doc of /** @type {{jsDoc?: ts.JSDoc[]}} */ (node).jsDoc ?? []) visit(doc);
			ts.forEachChild(node, visit);
		};
		visit(source);
	}
}

const failing = [...found.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
for (const f of failing) console.error(`${f.file}:${f.line}:${f.column}: \`${f.text}\`: give it a type`);
console.log(`no-any: ${failing.length} in the pages and the browser tests`);
if (failing.length) process.exit(1);
