package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import se.samverkan.server.spi.LocksAcrossServers;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestDatabase;

/**
 * Two servers on one PostgreSQL database take turns (issue 21): a condition, a name or a
 * transaction's lock that this server holds is busy for another, whose lock sessions are its own.
 * On the embedded database, which serves one server, the locks are this process's.
 */
class LocksInDatabaseTest extends FhirServerTest {

  private static final String CONDITION =
      "Patient?identifier=http://electronichealth.se/identifier/personnummer|191212121212";
  private static final String ANOTHER = "Patient?identifier=http://electronichealth.se/identifier/personnummer|191010101010";

  @Autowired LocksAcrossServers thisServersLocks;
  @Autowired DataSourceProperties database;
  @Autowired DataSource dataSource;
  @Autowired PlatformTransactionManager transactions;

  @Test
  void aConditionOneServerHoldsIsBusyForAnotherUntilReleasedWhileOthersAreFree() {
    if (!TestDatabase.POSTGRES) {
      assertThat(thisServersLocks).as("the embedded database serves one server: in-process locks")
          .isInstanceOf(LocksInProcess.class);
      return;
    }
    LocksInDatabase thisServer = (LocksInDatabase) thisServersLocks;
    try (LocksInDatabase anotherServer = anotherServer()) {
      try (LocksInDatabase.Held held = thisServer.lock(List.of(CONDITION), 60)) {
        assertThatThrownBy(() -> anotherServer.lock(List.of(ANOTHER, CONDITION), 1))
            .isInstanceOf(ResourceVersionConflictException.class).hasMessageContaining("same condition");
        try (LocksInDatabase.Held other = anotherServer.lock(List.of(ANOTHER), 1)) {
          assertThat(other).as("another condition is free, also after a refused request held it a moment").isNotNull();
        }
      }
      try (LocksInDatabase.Held after = anotherServer.lock(List.of(CONDITION), 1)) {
        assertThat(after).as("free once the first server's request is done").isNotNull();
      }
    }
  }

  @Test
  void workUnderANameOneServerRunsIsSkippedByAnotherAndFreeAfterwards() throws Exception {
    LocksAcrossServers other = TestDatabase.POSTGRES ? anotherServer() : thisServersLocks;
    try {
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch finish = new CountDownLatch(1);
      CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> thisServersLocks.ifFree("delivery:1", () -> {
        running.countDown();
        await(finish);
      }));
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      AtomicBoolean ran = new AtomicBoolean();
      assertThat(other.ifFree("delivery:1", () -> ran.set(true))).as("busy while the first runs").isFalse();
      assertThat(ran).isFalse();
      assertThat(other.ifFree("delivery:2", () -> ran.set(true))).as("another name is free").isTrue();
      finish.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
      ran.set(false);
      assertThat(other.ifFree("delivery:1", () -> ran.set(true))).as("free once the first is done").isTrue();
      assertThat(ran).isTrue();
    } finally {
      if (other instanceof LocksInDatabase own) {
        own.close();
      }
    }
  }

  @Test
  void aLockUntilTheTransactionEndsMakesTheNextHolderWaitForTheCommit() throws Exception {
    LocksAcrossServers other = TestDatabase.POSTGRES ? anotherServer() : thisServersLocks;
    TransactionTemplate transaction = new TransactionTemplate(transactions);
    try {
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch commit = new CountDownLatch(1);
      AtomicBoolean committed = new AtomicBoolean();
      CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
        transaction.executeWithoutResult(status -> {
          thisServersLocks.untilTransactionEnds("task:sip-call:Encounter/1");
          holding.countDown();
          await(commit);
          committed.set(true);
        });
      });
      assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> transaction.execute(status -> {
        other.untilTransactionEnds("task:sip-call:Encounter/1");
        return committed.get();
      }));
      Thread.sleep(300);
      assertThat(second).as("the second waits while the first transaction is open").isNotDone();
      commit.countDown();
      first.get(10, TimeUnit.SECONDS);
      assertThat(second.get(10, TimeUnit.SECONDS)).as("and goes on only after it has ended").isTrue();
      assertThatThrownBy(() -> other.untilTransactionEnds("outside"))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a transaction");
    } finally {
      if (other instanceof LocksInDatabase own) {
        own.close();
      }
    }
  }

  private LocksInDatabase anotherServer() {
    return new LocksInDatabase(database.determineUrl(), database.determineUsername(), database.determinePassword(),
        dataSource);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
