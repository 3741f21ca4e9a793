package se.samverkan.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The figures of one run, as {@code key=value} lines in one file that every step appends to:
 * bench/run (machine, settings, start times, memory) and the driver (generation, ingest, each
 * query phase). A key given twice keeps its last value. The report is made from this file.
 */
final class Results {

  private Results() {}

  /** Appends the values in their order; keys are plain words with dots and dashes. */
  static void append(Path file, Map<String, ?> values) {
    StringBuilder lines = new StringBuilder();
    values.forEach((key, value) -> lines.append(key).append('=').append(escape(String.valueOf(value))).append('\n'));
    try {
      Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** As {@link Properties#load(Reader)} reads it back. */
  static String escape(String value) {
    String escaped = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
    return escaped.startsWith(" ") || escaped.startsWith("\t") ? "\\" + escaped : escaped;
  }

  static Properties read(Path file) throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    }
    return properties;
  }

  /** A number as the report and the file write it: no grouping, a dot, {@code decimals} places. */
  static String number(double value, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }
}
