package se.samverkan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ServerErrorLoggerTest {

  @Test
  void aRedactedExceptionKeepsClassesCodesAndStackButNoMessageText() {
    IllegalStateException cause =
        new IllegalStateException("HAPI-1094: Resource Patient/193101019801 not found");
    InternalErrorException failure =
        new InternalErrorException("HAPI-0550: failed for identifier 193101019801", cause);

    Throwable redacted = ServerErrorLogger.redacted(failure);
    StringWriter printed = new StringWriter();
    redacted.printStackTrace(new PrintWriter(printed));

    assertThat(printed.toString())
        .contains(InternalErrorException.class.getName() + " HAPI-0550")
        .contains(IllegalStateException.class.getName() + " HAPI-1094")
        .contains("aRedactedExceptionKeepsClassesCodesAndStackButNoMessageText")
        .doesNotContain("193101019801")
        .doesNotContain("not found");
  }
}
