// Prints the gzipped size of the built JavaScript and fails when it is over the budget.
//
// The budget covers every JS file in dist/: deployed mode loads the lazily-imported OIDC chunk on first load too, so
// the sum of all chunks is the worst first load. Local mode loads only what index.html references; that is printed too.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const BudgetBytes = 100 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let files;
try {
  files = walk(dist).filter((f) => f.endsWith('.js'));
} catch {
  console.error('check-budget: dist/ not found; run `vite build` first.');
  process.exit(1);
}

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const referenced = new Set([...html.matchAll(/(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1]));

const rows = files
  .map((file) => {
    const bytes = readFileSync(file);
    const name = relative(dist, file);
    return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, initial: referenced.has(name) };
  })
  .sort((a, b) => b.gzip - a.gzip);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const total = rows.reduce((sum, r) => sum + r.gzip, 0);
const initial = rows.filter((r) => r.initial).reduce((sum, r) => sum + r.gzip, 0);

console.log('\nJavaScript size (gzip -9):');
for (const r of rows) {
  console.log(`  ${r.name.padEnd(44)} ${kb(r.raw).padStart(10)} raw ${kb(r.gzip).padStart(9)} gzip${r.initial ? '' : '  (lazy)'}`);
}
console.log(`  local mode first load: ${kb(initial)}`);
console.log(`  all JavaScript (deployed first load): ${kb(total)} of ${kb(BudgetBytes)} budget`);

if (total > BudgetBytes) {
  console.error(`\ncheck-budget: ${kb(total)} of gzipped JavaScript is over the ${kb(BudgetBytes)} budget.`);
  process.exit(1);
}
