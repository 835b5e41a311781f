// Checks what `npm ci` relies on and what "one runtime" means here:
// - the lock file lists every platform's optional binary of every package that has them (a lock
//   without them is what makes `npm ci` refuse on another machine);
// - one workerd version is installed, so tests, `npm start` and deploy run the same runtime;
// - no installed package declares a Node engine that excludes the Node running this script, except
//   the test integration's own miniflare 5 (README, Development: every release of
//   @cloudflare/vitest-plugin is built on it); it is listed.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const entries = lock.packages;
const problems = [];

/** The lock entry Node's resolution would reach for `name` required from the package at `from`. */
function resolveInLock(from, name) {
	let dir = from;
	for (;;) {
		const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
		if (entries[candidate]) return candidate;
		if (dir === "") return null;
		const at = dir.lastIndexOf("/node_modules/");
		dir = at === -1 ? "" : dir.slice(0, at);
	}
}

for (const [path, entry] of Object.entries(entries)) {
	for (const name of Object.keys(entry.optionalDependencies ?? {})) {
		if (!resolveInLock(path, name)) problems.push(`lock: ${path || "(root)"} lacks its optional ${name}`);
	}
}

const installed = [];
function walk(dir) {
	let names;
	try {
		names = readdirSync(dir);
	} catch {
		return;
	}
	for (const name of names) {
		if (name.startsWith(".")) continue;
		if (name.startsWith("@")) {
			for (const scoped of readdirSync(join(dir, name))) visit(join(dir, name, scoped));
		} else visit(join(dir, name));
	}
}
function visit(dir) {
	try {
		installed.push({ dir, pkg: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) });
	} catch {
		return;
	}
	walk(join(dir, "node_modules"));
}
walk("node_modules");

const KNOWN = "node_modules/@cloudflare/vitest-plugin/node_modules/miniflare";
const node = process.versions.node;
for (const { dir, pkg } of installed) {
	const range = pkg.engines?.node;
	if (!range || semver.satisfies(node, range)) continue;
	const line = `engines: ${dir} (${pkg.version}) wants Node ${range}`;
	if (dir === KNOWN) console.log(`${line} (known: the test integration's own miniflare)`);
	else problems.push(line);
}
const workerds = new Set(installed.filter(({ pkg }) => pkg.name === "workerd").map(({ pkg }) => pkg.version));
if (workerds.size !== 1) problems.push(`workerd: ${workerds.size} versions installed: ${[...workerds].join(", ")}`);

console.log(
	`${Object.keys(entries).length - 1} packages in the lock, ${installed.length} installed, workerd ${[...workerds].join(", ")}, Node ${node}`,
);
for (const problem of problems) console.error(problem);
process.exit(problems.length === 0 ? 0 : 1);
