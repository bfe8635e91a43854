// Driver for jco: a component is transpiled to JavaScript + core wasm by
// @bytecodealliance/jco and run on Node with @bytecodealliance/preview2-shim.
// Protocol: ../PROTOCOL.md. Service glue (JSON form <-> JS bindings) is in services/.
import { transpile } from '@bytecodealliance/jco';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const packageVersion = (name) =>
  JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version;
const jcoVersion = packageVersion('@bytecodealliance/jco');
const shimVersion = packageVersion('@bytecodealliance/preview2-shim');
// Transpiled output must sit below this directory so its bare imports of
// @bytecodealliance/preview2-shim resolve to our node_modules.
const cacheDir = path.join(here, 'transpiled');
const loaded = new Map();

async function load(wasm) {
  let module = loaded.get(wasm);
  if (module) return module;
  const bytes = fs.readFileSync(wasm);
  const hash = crypto.createHash('sha256').update(bytes).update(jcoVersion).digest('hex').slice(0, 32);
  const dir = path.join(cacheDir, hash);
  const entry = path.join(dir, 'component.js');
  if (!fs.existsSync(entry)) {
    const { files } = await transpile(bytes, { name: 'component', quiet: true, noTypescript: true });
    const partial = `${dir}.partial-${process.pid}`;
    for (const [name, data] of Object.entries(files)) {
      const file = path.join(partial, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, data);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(partial, dir);
  }
  module = await import(pathToFileURL(entry).href);
  loaded.set(wasm, module);
  return module;
}

async function component(req) {
  const glue = path.join(here, 'services', `${req.service}.mjs`);
  if (!fs.existsSync(glue)) throw new Error(`no jco glue for service ${req.service}`);
  const { call } = await import(pathToFileURL(glue).href);
  return call(await load(req.wasm), req.request);
}

async function handle(req) {
  switch (req.op) {
    case 'hello':
      return { runtime: 'jco', version: `${jcoVersion} (preview2-shim ${shimVersion}, Node ${process.versions.node})` };
    case 'component':
      return component(req);
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  let answer;
  try {
    answer = { ok: await handle(JSON.parse(line)) };
  } catch (e) {
    answer = { err: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
