package se.samverkan.server.edge;

import se.samverkan.server.errors.ErrorOutcomes;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.util.unit.DataSize;
import org.springframework.web.filter.OncePerRequestFilter;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * Refuses a request body larger than {@code samverkan.fhir.max-request-size} with 413 and an
 * OperationOutcome, before HAPI reads it into memory (it holds the whole body, then the parsed
 * resources, several times over). A declared {@code Content-Length} over the limit is refused
 * without reading a byte; a chunked body is read up to the limit and refused as soon as it grows
 * past it. The response closes the connection, so the unread rest of the body is not waited for.
 *
 * <p>The limit is on the body HAPI parses, so a gzip-encoded body counts inflated. HAPI inflates
 * {@code Content-Encoding: gzip} itself, all of it, with no limit (ServletRequestDetails
 * #getByteStreamRequestContents, 8.8): 194 KB became 200 MB and the heap ran out. gzip stays
 * accepted — a journal system's transaction of a few MB of JSON shrinks some tenfold, and HAPI
 * has always taken it — but is inflated here, up to the limit and no further, and handed on as
 * the plain body it is. Any other content coding ({@code deflate}, {@code br}, …) reached HAPI's
 * parser as if it were JSON or XML; it is refused with 415 and {@code Accept-Encoding: gzip}
 * (RFC 9110 §15.5.16). A body that is not the gzip it claims to be is a 400.
 */
public class RequestSizeLimitFilter extends OncePerRequestFilter {

  private final long limit;
  private final FhirContext fhirContext;

  public RequestSizeLimitFilter(DataSize limit, FhirContext fhirContext) {
    this.limit = limit.toBytes();
    this.fhirContext = fhirContext;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      refuse(request, response, Message.BODY_TOO_LARGE);
      return;
    }
    String encoding = contentCoding(request);
    if (encoding == null) {
      closing(response).setHeader("Accept-Encoding", GZIP);
      ErrorOutcomes.write(request, response, fhirContext, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE,
          OperationOutcome.IssueType.NOTSUPPORTED, UNSUPPORTED_ENCODING);
      return;
    }
    if (encoding.equals(GZIP)) {
      byte[] compressed = readAtMost(request.getInputStream(), limit + 1);
      if (compressed.length > limit) {
        refuse(request, response, Message.BODY_TOO_LARGE);
        return;
      }
      byte[] body = compressed;
      try {
        if (compressed.length > 0) { // as HAPI: an empty body stays empty
          body = readAtMost(new GZIPInputStream(new ByteArrayInputStream(compressed)), limit + 1);
        }
      } catch (ZipException | EOFException notGzip) {
        ErrorOutcomes.write(request, closing(response), fhirContext, HttpServletResponse.SC_BAD_REQUEST,
            OperationOutcome.IssueType.INVALID, Messages.english(Message.BODY_NOT_GZIP));
        return;
      }
      if (body.length > limit) {
        refuse(request, response, Message.BODY_TOO_LARGE_INFLATED);
        return;
      }
      chain.doFilter(new BufferedBodyRequest(request, body, true), response);
      return;
    }
    if (declared < 0 && isChunked(request)) {
      byte[] body = readAtMost(request.getInputStream(), limit + 1);
      if (body.length > limit) {
        refuse(request, response, Message.BODY_TOO_LARGE);
        return;
      }
      chain.doFilter(new BufferedBodyRequest(request, body, false), response);
      return;
    }
    chain.doFilter(request, response);
  }

  private static final String GZIP = "gzip";
  static final String UNSUPPORTED_ENCODING = Messages.english(Message.BODY_UNSUPPORTED_ENCODING);

  /**
   * The body's content coding: "" for none (or identity), "gzip" (also x-gzip, any case), null for
   * anything else, including codings applied one over another.
   */
  static String contentCoding(HttpServletRequest request) {
    List<String> codings = new ArrayList<>();
    for (Enumeration<String> headers = request.getHeaders("Content-Encoding"); headers != null && headers.hasMoreElements(); ) {
      for (String coding : headers.nextElement().split(",")) {
        String name = coding.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !name.equals("identity")) {
          codings.add(name);
        }
      }
    }
    if (codings.isEmpty()) {
      return "";
    }
    return codings.size() == 1 && (codings.get(0).equals(GZIP) || codings.get(0).equals("x-gzip")) ? GZIP : null;
  }

  private static HttpServletResponse closing(HttpServletResponse response) {
    // The body is left unread: the connection cannot carry another request after this one.
    response.setHeader("Connection", "close");
    return response;
  }

  private static boolean isChunked(HttpServletRequest request) {
    String encoding = request.getHeader("Transfer-Encoding");
    return encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked");
  }

  private static byte[] readAtMost(InputStream in, long max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    int read;
    while (total < max && (read = in.read(buffer, 0, (int) Math.min(buffer.length, max - total))) != -1) {
      out.write(buffer, 0, read);
      total += read;
    }
    return out.toByteArray();
  }

  /** 413; {@code tooLarge} says how the body was measured: as sent, or inflated. */
  private void refuse(HttpServletRequest request, HttpServletResponse response, Message tooLarge) throws IOException {
    ErrorOutcomes.write(request, closing(response), fhirContext, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
        OperationOutcome.IssueType.TOOLONG, Messages.english(tooLarge, readable(limit)));
  }

  public static String readable(long bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return bytes / 1024 + " KB";
    }
    return bytes + " bytes";
  }

  /**
   * The request with its body, already read (chunked) or inflated (gzip), served from memory; an
   * inflated one without its Content-Encoding, so that HAPI does not inflate it again.
   */
  private static final class BufferedBodyRequest extends HttpServletRequestWrapper {
    private final byte[] body;
    private final boolean inflated;

    BufferedBodyRequest(HttpServletRequest request, byte[] body, boolean inflated) {
      super(request);
      this.body = body;
      this.inflated = inflated;
    }

    @Override
    public String getHeader(String name) {
      if (inflated && "Content-Encoding".equalsIgnoreCase(name)) {
        return null;
      }
      if (inflated && "Content-Length".equalsIgnoreCase(name)) {
        return String.valueOf(body.length);
      }
      return super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      if (inflated && ("Content-Encoding".equalsIgnoreCase(name) || "Content-Length".equalsIgnoreCase(name))) {
        String value = getHeader(name);
        return Collections.enumeration(value == null ? List.of() : List.of(value));
      }
      return super.getHeaders(name);
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("the body has already been read");
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      Charset charset = StandardCharsets.UTF_8;
      try {
        if (getCharacterEncoding() != null) {
          charset = Charset.forName(getCharacterEncoding());
        }
      } catch (IllegalArgumentException unknownCharset) {
        // HAPI reads the bytes and decodes them itself; a reader of an unknown charset gets UTF-8.
      }
      return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
    }
  }
}
