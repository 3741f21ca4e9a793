package se.samverkan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replicas that share the development issuer's key file sign with one key (issue 21). */
class SharedKeyFileTest {

  @TempDir Path directory;

  @Test
  void theFirstToStartMakesTheKeyAndEveryLaterStartReadsTheSameOne() throws Exception {
    Path file = directory.resolve("keys/dev-issuer.jwk");

    RSAKey made = SharedKeyFile.readOrMake(file, SharedKeyFileTest::newKey);
    RSAKey read = SharedKeyFile.readOrMake(file, SharedKeyFileTest::newKey);

    assertThat(read.getKeyID()).isEqualTo(made.getKeyID());
    assertThat(read.toRSAPublicKey()).isEqualTo(made.toRSAPublicKey());
    assertThat(read.isPrivate()).as("the key signs, so the file holds its private part").isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    try (var left = Files.list(file.getParent())) {
      assertThat(left).as("no draft is left beside it").containsExactly(file);
    }
  }

  @Test
  void replicasStartingTogetherAllEndUpWithOneKey() throws Exception {
    Path file = directory.resolve("dev-issuer.jwk");
    int replicas = 6;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(replicas);
    try {
      List<Callable<RSAKey>> starts = IntStream.range(0, replicas).<Callable<RSAKey>>mapToObj(i -> () -> {
        start.await();
        return SharedKeyFile.readOrMake(file, SharedKeyFileTest::newKey);
      }).toList();
      List<Future<RSAKey>> keys = starts.stream().map(threads::submit).toList();
      start.countDown();
      RSAKey onFile = SharedKeyFile.readOrMake(file, SharedKeyFileTest::newKey);
      for (Future<RSAKey> key : keys) {
        assertThat(key.get().getKeyID()).isEqualTo(onFile.getKeyID());
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aFileThatHoldsNoKeyStopsTheStartWithItsName() throws Exception {
    Path file = directory.resolve("dev-issuer.jwk");
    Files.writeString(file, "not a key");

    assertThatThrownBy(() -> SharedKeyFile.readOrMake(file, SharedKeyFileTest::newKey))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("holds no RSA key");
    assertThat(Files.readString(file)).as("and is left as it was").isEqualTo("not a key");
  }

  private static RSAKey newKey() {
    try {
      return new RSAKeyGenerator(2048).keyIDFromThumbprint(true).generate();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
