package bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * Runs Flink SQL scripts on a local (embedded MiniCluster) TableEnvironment, one fresh environment per script, and
 * prints every statement with its result or its error chain. Part of the bench experiment in README.md beside it.
 *
 * <pre>
 * java -Xmx1g -cp target/classes:$(cat target/classpath.txt) bench.FlinkSqlRunner \
 *   --bootstrap 127.0.0.1:9092 --registry http://127.0.0.1:8081/apis/ccompat/v7 --topic presence-changes \
 *   [--mode batch|streaming] sql/readme.sql [sql/variant-*.sql ...]
 * </pre>
 *
 * In the scripts, ${BOOTSTRAP}, ${REGISTRY} and ${TOPIC} are replaced by the arguments; statements end with a ';'
 * at the end of a line; lines starting with '--' are comments.
 */
public final class FlinkSqlRunner {
    private static final java.util.regex.Pattern SET =
            java.util.regex.Pattern.compile("(?is)SET\\s+'([^']+)'\\s*=\\s*'([^']*)'");

    public static void main(String[] args) throws Exception {
        String bootstrap = "127.0.0.1:9092";
        String registry = "http://127.0.0.1:8081";
        String topic = "presence-changes";
        String mode = "batch";
        List<Path> scripts = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--registry" -> registry = args[++i];
                case "--topic" -> topic = args[++i];
                case "--mode" -> mode = args[++i];
                default -> scripts.add(Path.of(args[i]));
            }
        }
        if (scripts.isEmpty()) {
            throw new IllegalArgumentException("give at least one .sql script");
        }
        int failed = 0;
        long all = System.nanoTime();
        for (Path script : scripts) {
            String sql = Files.readString(script)
                    .replace("${BOOTSTRAP}", bootstrap)
                    .replace("${REGISTRY}", registry)
                    .replace("${TOPIC}", topic);
            System.out.printf("%n===== %s (%s mode) =====%n", script, mode);
            long start = System.nanoTime();
            boolean ok = run(sql, mode);
            System.out.printf("===== %s: %s in %.1f s =====%n", script, ok ? "OK" : "FAILED",
                    (System.nanoTime() - start) / 1e9);
            if (!ok) failed++;
        }
        Runtime rt = Runtime.getRuntime();
        System.out.printf("%n%d script(s), %d failed, %.1f s; heap used %d MiB of max %d MiB%n", scripts.size(), failed,
                (System.nanoTime() - all) / 1e9, (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20);
        System.exit(0);
    }

    private static boolean run(String sql, String mode) {
        Configuration conf = new Configuration();
        conf.setString("parallelism.default", "1");
        conf.setString("table.dml-sync", "true");
        EnvironmentSettings.Builder settings = EnvironmentSettings.newInstance().withConfiguration(conf);
        if (mode.equals("batch")) {
            settings.inBatchMode();
        } else {
            settings.inStreamingMode();
        }
        TableEnvironment env = TableEnvironment.create(settings.build());
        for (String statement : statements(sql)) {
            System.out.printf("%nFlink SQL> %s;%n", statement);
            try {
                java.util.regex.Matcher set = SET.matcher(statement);
                if (set.matches()) {
                    // TableEnvironment.executeSql has no SET (that is the SQL client's); same effect here.
                    env.getConfig().getConfiguration().setString(set.group(1), set.group(2));
                    System.out.println("[SET]");
                    continue;
                }
                TableResult result = env.executeSql(statement);
                String head = statement.stripLeading().toUpperCase(Locale.ROOT);
                if (head.startsWith("SELECT") || head.startsWith("WITH") || head.startsWith("DESCRIBE")
                        || head.startsWith("SHOW")) {
                    result.print();
                } else {
                    System.out.println("[" + result.getResultKind() + "]");
                }
            } catch (Throwable error) {
                System.out.println("[ERROR]");
                int depth = 0;
                for (Throwable t = error; t != null && depth < 12; t = t.getCause(), depth++) {
                    String message = String.valueOf(t.getMessage());
                    if (message.length() > 1500) message = message.substring(0, 1500) + " ...";
                    System.out.println("  " + "  ".repeat(depth) + t.getClass().getName() + ": " + message);
                }
                return false;
            }
        }
        return true;
    }

    private static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n", -1)) {
            if (line.strip().startsWith("--")) continue;
            if (line.stripTrailing().endsWith(";")) {
                String trimmed = line.stripTrailing();
                current.append(trimmed, 0, trimmed.length() - 1);
                if (!current.toString().isBlank()) out.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        if (!current.toString().isBlank()) out.add(current.toString().strip());
        return out;
    }
}
