#!/usr/bin/env node
// Keeps the layering mechanical (HOUSE_STYLE.md): ledger and consensus are pure libraries that
// import nothing of each other or of node/cli, touch no network, disk, clock or randomness.
// The only exception is ledger's key-file module, which owns the 0600 key files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const rules = {
  ledger: {
    forbiddenImports: ['@tradeledger/consensus', '@tradeledger/node', '@tradeledger/cli', 'libp2p', '@libp2p/', 'level', 'classic-level', 'node:net', 'node:http', 'node:fs', 'node:child_process'],
    allowFs: ['src/key-file.ts'],
  },
  consensus: {
    forbiddenImports: ['@tradeledger/', 'libp2p', '@libp2p/', 'level', 'classic-level', 'node:'],
    allowFs: [],
  },
};
const forbiddenCalls = [/\bDate\.now\s*\(/, /\bMath\.random\s*\(/, /\bsetTimeout\s*\(/, /\bsetInterval\s*\(/, /\bsetImmediate\s*\(/, /\bnew Date\s*\(\s*\)/];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const problems = [];
for (const [pkg, rule] of Object.entries(rules)) {
  const pkgDir = join(root, 'packages', pkg);
  for (const file of walk(join(pkgDir, 'src'))) {
    const rel = relative(pkgDir, file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = match[1] ?? match[2];
      for (const bad of rule.forbiddenImports) {
        const hit = bad.endsWith('/') || bad.endsWith(':') ? spec.startsWith(bad) : spec === bad || spec.startsWith(`${bad}/`);
        if (!hit) continue;
        if (spec === 'node:fs' || spec === 'node:fs/promises') {
          if (rule.allowFs.includes(rel)) continue;
        }
        problems.push(`${pkg}/${rel}: imports ${spec}`);
      }
    }
    text.split('\n').forEach((line, index) => {
      if (/^\s*(\/\/|\*)/.test(line)) return;
      for (const pattern of forbiddenCalls) {
        if (pattern.test(line)) problems.push(`${pkg}/${rel}:${index + 1}: ${pattern.source.replace(/\\[bs]|\\\(|\*/g, '')} is not allowed in ${pkg}`);
      }
    });
  }
}
if (problems.length > 0) {
  console.error(`layering check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layering check: ok');
