package se.samverkan.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an answer tells its reader, with the ids the reader itself chose replaced by placeholders:
 * two answers that are equal here cannot be told apart by the reader. Kept: the status, the
 * headers that describe a resource (ETag, Last-Modified, Location, Content-Location,
 * Content-Type) and the body. Left out: what differs between any two requests (a Bundle's own id,
 * also in Location headers, and its timestamp, the search id in paging links, which {@link #SEARCH_ID} replaces).
 */
record Oracle(int status, Map<String, String> headers, String body) {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String SEARCH_ID = "{search}";
  private static final String[] HEADERS = {"etag", "last-modified", "location", "content-location", "content-type"};

  /** The answer with each key of {@code placeholders} (an id) replaced by its value. */
  static Oracle of(HttpResponse<String> response, Map<String, String> placeholders) {
    Map<String, String> headers = new TreeMap<>();
    for (String name : HEADERS) {
      response.headers().firstValue(name).ifPresent(value -> headers.put(name,
          replace(value, placeholders).replaceAll("/Bundle/[0-9a-fA-F-]{36}", "/Bundle/{bundle}")));
    }
    return new Oracle(response.statusCode(), headers, normalise(replace(response.body(), placeholders)));
  }

  private static String replace(String text, Map<String, String> placeholders) {
    String replaced = text;
    for (Map.Entry<String, String> p : placeholders.entrySet()) {
      replaced = replaced.replace(p.getKey(), p.getValue());
    }
    return replaced.replaceAll("_getpages=[0-9a-fA-F-]{36}", "_getpages=" + SEARCH_ID);
  }

  private static String normalise(String body) {
    if (!body.startsWith("{")) {
      return body;
    }
    try {
      JsonNode node = JSON.readTree(body);
      if (node instanceof ObjectNode object && "Bundle".equals(object.path("resourceType").asText())) {
        object.remove("id");
        object.remove("meta");
      }
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (IOException e) {
      return body;
    }
  }
}
