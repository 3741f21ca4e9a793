package se.samverkan.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A journal system's webhook endpoint, started inside the test: records every request it gets and
 * answers with the status the test sets (200 unless told otherwise). Either started by hand
 * ({@link #start(int)}) or, as a {@code @RegisterExtension} field ({@link #perTest()}), around each test.
 */
public final class WebhookReceiver implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

  /** One request as received: the time, the answer given, content type and body. */
  public record Received(long atMillis, int answered, String method, String contentType, String body) {}

  private final int port;
  private final List<Received> requests = new CopyOnWriteArrayList<>();
  private volatile int answer = 200;
  private HttpServer server;

  private WebhookReceiver(int port) {
    this.port = port;
  }

  /** Listens on the given port (0: any free one) on the loopback address. */
  public static WebhookReceiver start(int port) {
    WebhookReceiver receiver = new WebhookReceiver(port);
    receiver.open();
    return receiver;
  }

  /** A receiver on a free port, started before each test and stopped after it. */
  public static WebhookReceiver perTest() {
    return new WebhookReceiver(0);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    requests.clear();
    answer = 200;
    open();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  private void open() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/hook", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int status = answer;
      requests.add(new Received(System.currentTimeMillis(), status, exchange.getRequestMethod(),
          exchange.getRequestHeaders().getFirst("Content-Type"), body));
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public void answer(int status) {
    this.answer = status;
  }

  public List<Received> requests() {
    return List.copyOf(requests);
  }

  /** Bodies of the requests that were answered 2xx. */
  public List<String> delivered() {
    return requests.stream().filter(r -> r.answered() / 100 == 2).map(Received::body).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
