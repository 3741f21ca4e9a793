package se.samverkan.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the docs tests read out of a markdown file: its sections, shell blocks, tables and links. */
final class Markdown {

  private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*)$");
  private static final Pattern FENCE = Pattern.compile("^```(\\w*)\\s*$");
  /** {@code [text](target)}, not images, not absolute URLs, not in-page anchors. */
  private static final Pattern RELATIVE_LINK = Pattern.compile("(?<!!)\\[[^\\]]*\\]\\((?!https?:|mailto:|#)([^)\\s]+)\\)");

  private final Path file;
  private final List<String> lines;

  private Markdown(Path file, List<String> lines) {
    this.file = file;
    this.lines = lines;
  }

  static Markdown read(String path) {
    Path file = Path.of(path);
    try {
      return new Markdown(file, Files.readAllLines(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The section under the first heading that starts with {@code heading} (without the #s), down to
   * the next heading of the same or a higher level.
   */
  Markdown section(String heading) {
    for (int i = 0; i < lines.size(); i++) {
      Matcher h = HEADING.matcher(lines.get(i));
      if (h.matches() && h.group(2).startsWith(heading)) {
        int level = h.group(1).length();
        int end = i + 1;
        boolean inFence = false;
        for (; end < lines.size(); end++) {
          inFence ^= FENCE.matcher(lines.get(end)).matches();
          Matcher next = HEADING.matcher(lines.get(end));
          if (!inFence && next.matches() && next.group(1).length() <= level) {
            break;
          }
        }
        return new Markdown(file, lines.subList(i, end));
      }
    }
    throw new AssertionError(file + " has no section \"" + heading + "\"");
  }

  /** The fenced blocks marked {@code sh} or {@code bash}, in order. */
  List<String> shellBlocks() {
    List<String> blocks = new ArrayList<>();
    StringBuilder block = null;
    for (String line : lines) {
      Matcher fence = FENCE.matcher(line);
      if (block == null && fence.matches() && (fence.group(1).equals("sh") || fence.group(1).equals("bash"))) {
        block = new StringBuilder();
      } else if (block != null && line.startsWith("```")) {
        blocks.add(block.toString());
        block = null;
      } else if (block != null) {
        block.append(line).append('\n');
      }
    }
    if (blocks.isEmpty()) {
      throw new AssertionError(file + ": no sh/bash block in " + lines.get(0));
    }
    return blocks;
  }

  /** The first table's rows, keyed by the first cell, value the rest of the row. */
  Map<String, String> table() {
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : lines) {
      if (line.startsWith("|") && !line.startsWith("|---") && !line.startsWith("| ---")) {
        String[] cells = line.substring(1).split("\\|", 2);
        rows.putIfAbsent(cells[0].trim(), cells.length > 1 ? cells[1] : "");
      } else if (!rows.isEmpty() && !line.startsWith("|")) {
        break;
      }
    }
    return rows;
  }

  /** Relative link targets (files), without any #anchor, resolved against this file's folder. */
  List<Path> relativeLinks() {
    List<Path> targets = new ArrayList<>();
    for (String line : lines) {
      Matcher link = RELATIVE_LINK.matcher(line);
      while (link.find()) {
        String target = link.group(1).replaceAll("#.*$", "");
        if (!target.isEmpty()) {
          targets.add(file.toAbsolutePath().getParent().resolve(target).normalize());
        }
      }
    }
    return targets;
  }

  String text() {
    return String.join("\n", lines);
  }

  Path file() {
    return file;
  }
}
