// Build the chat page into dist/: the page's own files plus the npm packages it needs,
// copied so that the page fetches nothing from outside the machine.
//
// rasa-webchat's standalone bundle (lib/index.js: React, socket.io-client and the widget)
// injects `@import url(https://fonts.googleapis.com/...)` for its Inter font; that import is
// removed here and Inter is served from @fontsource/inter instead. The build fails if the
// bundle no longer has the import (a new version: review the patch) or still names a font CDN.
// Usage: npm run build  (after npm ci)

import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const require = createRequire(import.meta.url);

const PAGE_FILES = ["index.html", "styles.css", "chat.js", "enhance.js", "ratings.js"];
const FONT_IMPORT = /@import url\(https:\/\/fonts\.googleapis\.com\/css\?family=Inter[^)]*\);/g;
const FONT_WEIGHTS = [
  ["400", "normal"],
  ["400", "italic"],
  ["500", "normal"],
  ["700", "normal"],
];

function fail(message) {
  console.error(`widget build: ${message}`);
  process.exit(1);
}

function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return fail(`${name} is not installed: run \`npm ci\` in widget/ (or \`make widget\`)`);
  }
}

function buildWebchat(outDir) {
  const dir = packageDir("rasa-webchat");
  const bundle = readFileSync(join(dir, "lib", "index.js"), "utf8");
  const imports = bundle.match(FONT_IMPORT) || [];
  if (imports.length === 0) {
    fail("rasa-webchat's bundle has no Google Fonts import to remove: a new version? Review build.mjs");
  }
  const offline = bundle.replace(FONT_IMPORT, "");
  if (/fonts\.(googleapis|gstatic)\.com|@import url\(http/.test(offline)) {
    fail("rasa-webchat's bundle still imports a remote stylesheet after patching");
  }
  writeFileSync(join(outDir, "rasa-webchat.js"), offline);
  copyFileSync(join(dir, "LICENSE"), join(outDir, "LICENSE.rasa-webchat.txt"));
  return imports.length;
}

function buildFonts(outDir) {
  const dir = packageDir("@fontsource/inter");
  const faces = FONT_WEIGHTS.map(([weight, style]) => {
    const file = `inter-latin-${weight}-${style}.woff2`;
    copyFileSync(join(dir, "files", file), join(outDir, file));
    return [
      "@font-face {",
      "  font-family: 'Inter';",
      `  font-style: ${style};`,
      `  font-weight: ${weight};`,
      "  font-display: swap;",
      `  src: url(./${file}) format('woff2');`,
      "}",
    ].join("\n");
  });
  writeFileSync(join(outDir, "inter.css"), `/* Inter (latin) from @fontsource/inter, OFL-1.1 */\n${faces.join("\n")}\n`);
  copyFileSync(join(dir, "LICENSE"), join(outDir, "LICENSE.inter.txt"));
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "vendor"), { recursive: true });
mkdirSync(join(dist, "fonts"), { recursive: true });
for (const file of PAGE_FILES) {
  copyFileSync(join(here, file), join(dist, file));
}
const removed = buildWebchat(join(dist, "vendor"));
buildFonts(join(dist, "fonts"));
console.log(`widget build: dist/ ready (rasa-webchat bundle: ${removed} remote font imports removed)`);
