/**
 * Import benchmark: 10,000 generated students through the real CLI (`users import`, a separate
 * process on a fresh SQLite data dir), against a baseline measured in the same run: a bare script
 * that splits the same CSV and inserts the rows into SQLite in one transaction. Prints wall time,
 * CPU time and peak RSS for both and the ratios. Usage: bun bench/import.ts [rows]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../server/store/sqlite/sqlite';

const rows = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'lt-bench-import-'));
const csv = join(dir, 'students.csv');
let text = 'email,name,role,date_of_birth,matric_no\n';
for (let i = 0; i < rows; i++) {
  const y = 2000 + (i % 9);
  text += `student${i}@live.unilag.edu.ng,"Student ${i}, Test",student,${y}-0${1 + (i % 9)}-1${i % 10},19${String(i).padStart(7, '0')}\n`;
}
writeFileSync(csv, text);

const baselineScript = join(dir, 'baseline.ts');
writeFileSync(
  baselineScript,
  `import { Database } from 'bun:sqlite';
const db = new Database(process.argv[3], { create: true });
db.exec('PRAGMA journal_mode = WAL'); db.exec('PRAGMA synchronous = NORMAL');
db.exec('CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE, name TEXT, role TEXT, dob TEXT, matric TEXT, code_hash TEXT)');
const lines = (await Bun.file(process.argv[2]).text()).split('\\n').slice(1).filter(Boolean);
const ins = db.query('INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)');
db.transaction(() => { for (const l of lines) { const f = l.split(','); ins.run(crypto.randomUUID(), f[0], f[1], f[3], f[4], f[5], 'x'); } })();
console.log(lines.length);`,
);

function run(label: string, cmd: string[], env: Record<string, string>) {
  const t0 = performance.now();
  const p = Bun.spawnSync(cmd, { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' });
  const wall = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`${label} failed: ${p.stderr.toString()}${p.stdout.toString()}`);
  const ru = p.resourceUsage!;
  const cpuMs = Number(ru.cpuTime.user + ru.cpuTime.system) / 1000;
  return { label, wall, cpuMs, rssMb: ru.maxRSS / 1024 / 1024, out: p.stdout.toString().trim() };
}

try {
  await createSqliteStore(join(dir, 'data')).close(); // the database, as the server's first start makes it
  const cli = run('letstalk users import', ['bun', 'cli/main.ts', 'users', 'import', csv, '--credentials', join(dir, 'creds.csv')], { DATA_DIR: join(dir, 'data') });
  const base = run('baseline: split + sqlite insert', ['bun', baselineScript, csv, join(dir, 'baseline.db')], {});
  console.log(`import of ${rows} students (${(text.length / 1e6).toFixed(1)} MB CSV)`);
  console.log(`  ${cli.out}`);
  for (const r of [cli, base]) console.log(`  ${r.label.padEnd(34)} wall ${r.wall.toFixed(0).padStart(6)} ms   cpu ${r.cpuMs.toFixed(0).padStart(6)} ms   peak RSS ${r.rssMb.toFixed(1).padStart(6)} MB`);
  console.log(`  ratio (import / baseline)          wall ${(cli.wall / base.wall).toFixed(2)}×   cpu ${(cli.cpuMs / base.cpuMs).toFixed(2)}×   peak RSS ${(cli.rssMb / base.rssMb).toFixed(2)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
