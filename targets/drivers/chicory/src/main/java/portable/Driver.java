// Driver for Chicory (WASI preview 1 on the JVM, modules compiled to JVM bytecode at load).
// Protocol: ../../../../../PROTOCOL.md — one JSON request per line in, one answer per line out.
package portable;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

public final class Driver {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed module and its compiled machine factory, kept for the whole run. */
    private record Loaded(WasmModule module, Function<Instance, Machine> machine) {}

    private final Map<String, Loaded> modules = new HashMap<>();

    public static void main(String[] args) throws Exception {
        var driver = new Driver();
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        var out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            ObjectNode answer = JSON.createObjectNode();
            try {
                answer.set("ok", driver.handle(JSON.readTree(line)));
            } catch (Exception e) {
                answer.put("err", e.toString());
            }
            out.println(JSON.writeValueAsString(answer));
            out.flush();
        }
    }

    private JsonNode handle(JsonNode request) throws Exception {
        String op = request.path("op").asText();
        switch (op) {
            case "hello": {
                ObjectNode hello = JSON.createObjectNode();
                hello.put("runtime", "chicory");
                hello.put("version", version() + " (compiler, Java " + System.getProperty("java.version") + ")");
                return hello;
            }
            case "command":
                return command(request);
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private static String version() throws Exception {
        var properties = new Properties();
        try (var stream = Driver.class.getResourceAsStream("/driver.properties")) {
            properties.load(stream);
        }
        return properties.getProperty("chicory.version", "unknown");
    }

    private Loaded load(String path) {
        return modules.computeIfAbsent(path, p -> {
            WasmModule module = Parser.parse(Path.of(p));
            return new Loaded(module, MachineFactoryCompiler.compile(module));
        });
    }

    private JsonNode command(JsonNode request) throws Exception {
        Loaded loaded = load(request.path("wasm").asText());
        List<String> args = new ArrayList<>();
        request.path("args").forEach(a -> args.add(a.asText()));
        var stdout = new ByteArrayOutputStream();
        var stderr = new ByteArrayOutputStream();
        var options = WasiOptions.builder()
                .withStdout(stdout)
                .withStderr(stderr)
                .withArguments(args);
        // A null stdin keeps Chicory's default, an empty stream: that is "no stdin".
        JsonNode stdin = request.path("stdin");
        if (stdin.isTextual()) {
            options.withStdin(new ByteArrayInputStream(stdin.asText().getBytes(StandardCharsets.UTF_8)));
        }
        request.path("env").forEach(kv -> options.withEnvironment(kv.get(0).asText(), kv.get(1).asText()));
        // [host, guest] pairs: each host directory on the default (real) file system.
        request.path("dirs").forEach(dir -> options.withDirectory(dir.get(1).asText(), Path.of(dir.get(0).asText())));
        ObjectNode result = JSON.createObjectNode();
        result.putNull("exit");
        result.putNull("trap");
        long timeoutMs = request.path("timeout_ms").asLong(20_000);
        var run = new FutureTask<Integer>(() -> {
            try (var wasi = WasiPreview1.builder().withOptions(options.build()).build()) {
                var imports = ImportValues.builder().addFunction(wasi.toHostFunctions()).build();
                var instance = Instance.builder(loaded.module())
                        .withImportValues(imports)
                        .withMachineFactory(loaded.machine())
                        .withStart(false)
                        .build();
                try {
                    instance.export("_start").apply();
                    return 0;
                } catch (WasiExitException e) {
                    return e.exitCode();
                }
            }
        });
        var thread = new Thread(run, "guest");
        thread.setDaemon(true);
        thread.start();
        try {
            result.put("exit", run.get(timeoutMs, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            thread.interrupt();
            result.put("trap", "deadline exceeded");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            result.put("trap", cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        result.put("stdout", stdout.toString(StandardCharsets.UTF_8));
        result.put("stderr", stderr.toString(StandardCharsets.UTF_8));
        return result;
    }
}
