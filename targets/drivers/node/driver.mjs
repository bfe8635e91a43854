// Driver for Node's `node:wasi` (WASI preview 1 on V8). Protocol: ../PROTOCOL.md.
import { WASI } from 'node:wasi';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const modules = new Map();

async function compile(file) {
  let module = modules.get(file);
  if (!module) {
    module = await WebAssembly.compile(fs.readFileSync(file));
    modules.set(file, module);
  }
  return module;
}

// node:wasi reads and writes real file descriptors, so the guest's stdio are temporary
// files: the driver's own stdout carries the protocol. Its stdin does too, and node:wasi
// would give the guest fd 0 by default, so "no stdin" (null) is /dev/null instead.
async function command(req) {
  const module = await compile(req.wasm);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-wasi-'));
  const files = ['stdout', 'stderr'].map((name) => path.join(dir, name));
  let input = '/dev/null';
  if (req.stdin != null) {
    input = path.join(dir, 'stdin');
    fs.writeFileSync(input, req.stdin);
  }
  const [stdin, stdout, stderr] = [fs.openSync(input, 'r'), fs.openSync(files[0], 'w'), fs.openSync(files[1], 'w')];
  const wasi = new WASI({
    version: 'preview1',
    args: req.args ?? [],
    env: Object.fromEntries(req.env ?? []),
    // Guest path -> host directory, in the request's order (fds 3, 4, ...).
    preopens: Object.fromEntries((req.dirs ?? []).map(([host, guest]) => [guest, host])),
    stdin,
    stdout,
    stderr,
    returnOnExit: true,
  });
  let exit = null;
  let trap = null;
  try {
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    exit = wasi.start(instance);
  } catch (e) {
    trap = String(e && e.message ? e.message : e);
  } finally {
    [stdin, stdout, stderr].forEach((fd) => fs.closeSync(fd));
  }
  const result = {
    exit,
    trap,
    stdout: fs.readFileSync(files[0], 'utf8'),
    stderr: fs.readFileSync(files[1], 'utf8'),
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

async function handle(req) {
  switch (req.op) {
    case 'hello':
      return { runtime: 'node', version: `${process.versions.node} (V8 ${process.versions.v8})` };
    case 'command':
      return command(req);
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
