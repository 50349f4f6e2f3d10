// Builds the widget into one script, bot/web/static/widget/relais211.js (CSS inlined as text).
// `node build.mjs` writes it; `node build.mjs --check` exits 1 when the committed bundle is not
// what the sources and the lock file build to. The banner carries a hash of the inputs so the
// Python test can tell a stale bundle without Node (tests/widget/test_bundle.py).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, "..", "bot", "web", "static", "widget", "relais211.js");

/** sha256 over the sources (sorted by name) and the lock file: what the bundle depends on. */
export function inputsHash() {
  const hash = createHash("sha256");
  const names = readdirSync(join(here, "src")).sort();
  for (const name of names) {
    hash.update(name + "\0");
    hash.update(readFileSync(join(here, "src", name)));
  }
  hash.update(readFileSync(join(here, "package-lock.json")));
  return hash.digest("hex");
}

async function bundle() {
  const result = await build({
    entryPoints: [join(here, "src", "main.js")],
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2019"],
    loader: { ".css": "text" },
    legalComments: "none",
    write: false,
    banner: { js: `/* Relais 211 widget — inputs sha256:${inputsHash()} */` },
  });
  return result.outputFiles[0].text;
}

const code = await bundle();
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(outFile, "utf8");
  } catch {
    current = "";
  }
  if (current !== code) {
    console.error(`stale: ${outFile} differs from a fresh build; run: npm run build`);
    process.exit(1);
  }
  console.log("bundle up to date");
} else {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  console.log(`wrote ${outFile} (${code.length} bytes)`);
}
