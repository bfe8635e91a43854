// Driver for wazero (pure Go WebAssembly runtime). Protocol: ../PROTOCOL.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

type request struct {
	Op        string      `json:"op"`
	Wasm      string      `json:"wasm"`
	Args      []string    `json:"args"`
	Env       [][2]string `json:"env"`
	Stdin     *string     `json:"stdin"` // nil: none given
	Dirs      [][2]string `json:"dirs"`  // [host, guest] pairs
	TimeoutMs int64       `json:"timeout_ms"`
}

type commandResult struct {
	Exit   *uint32 `json:"exit"`
	Trap   *string `json:"trap"`
	Stdout string  `json:"stdout"`
	Stderr string  `json:"stderr"`
}

// Linear memory cap per instance: 512 MiB, as for the embedded runtimes.
const memoryLimitPages = 8192

type driver struct {
	runtime  wazero.Runtime
	compiled map[string]wazero.CompiledModule
}

func newDriver(ctx context.Context) *driver {
	config := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(memoryLimitPages)
	if dir := os.Getenv("WAZERO_CACHE_DIR"); dir != "" {
		if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
			config = config.WithCompilationCache(cache)
		}
	}
	r := wazero.NewRuntimeWithConfig(ctx, config)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	return &driver{runtime: r, compiled: map[string]wazero.CompiledModule{}}
}

func wazeroVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/tetratelabs/wazero" {
				return strings.TrimPrefix(dep.Version, "v")
			}
		}
	}
	return "unknown"
}

func (d *driver) compile(ctx context.Context, path string) (wazero.CompiledModule, error) {
	if m, ok := d.compiled[path]; ok {
		return m, nil
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := d.runtime.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	d.compiled[path] = m
	return m, nil
}

func (d *driver) command(req request) (any, error) {
	ctx := context.Background()
	compiled, err := d.compile(ctx, req.Wasm)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	// wazero's defaults are deterministic: a fake wall clock from 2022, a fake monotonic
	// clock, sleeps that return at once and a fixed-seed random source. A service host
	// gives the real ones, and so does the harness (the runtime table says so).
	config := wazero.NewModuleConfig().
		WithName("").
		WithArgs(req.Args...).
		WithStdout(&stdout).
		WithStderr(&stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	// Without WithStdin, wazero's stdin reads return EOF: that is "no stdin".
	if req.Stdin != nil {
		config = config.WithStdin(strings.NewReader(*req.Stdin))
	}
	for _, kv := range req.Env {
		config = config.WithEnv(kv[0], kv[1])
	}
	if len(req.Dirs) > 0 {
		fs := wazero.NewFSConfig()
		for _, dir := range req.Dirs {
			fs = fs.WithDirMount(dir[0], dir[1])
		}
		config = config.WithFSConfig(fs)
	}
	result := commandResult{}
	mod, err := d.runtime.InstantiateModule(ctx, compiled, config)
	if mod != nil {
		defer mod.Close(context.Background())
	}
	var exitErr *sys.ExitError
	switch {
	case err == nil:
		zero := uint32(0)
		result.Exit = &zero
	case errors.As(err, &exitErr) && exitErr.ExitCode() == sys.ExitCodeDeadlineExceeded:
		trap := "deadline exceeded"
		result.Trap = &trap
	case errors.As(err, &exitErr):
		code := exitErr.ExitCode()
		result.Exit = &code
	default:
		trap := err.Error()
		result.Trap = &trap
	}
	result.Stdout = stdout.String()
	result.Stderr = stderr.String()
	return result, nil
}

func (d *driver) handle(line []byte) (any, error) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return nil, err
	}
	switch req.Op {
	case "hello":
		return map[string]string{"runtime": "wazero", "version": wazeroVersion()}, nil
	case "command":
		return d.command(req)
	default:
		return nil, fmt.Errorf("unknown op %q", req.Op)
	}
}

func main() {
	d := newDriver(context.Background())
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 512<<20)
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	for in.Scan() {
		ok, err := d.handle(in.Bytes())
		if err != nil {
			encoder.Encode(map[string]string{"err": err.Error()})
		} else {
			encoder.Encode(map[string]any{"ok": ok})
		}
		out.Flush()
	}
}
