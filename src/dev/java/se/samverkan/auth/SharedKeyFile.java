package se.samverkan.auth;

import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.function.Supplier;

/**
 * The development issuer's signing key in a file that replicas share (issue 21): read if it is
 * there, else made, written to a file of its own and linked into place in one step, so that a
 * replica never reads half a key. Of two replicas starting together the one that links second
 * finds the name taken and reads the other's key instead of its own.
 */
final class SharedKeyFile {

  private SharedKeyFile() {}

  static RSAKey readOrMake(Path file, Supplier<RSAKey> newKey) {
    try {
      if (Files.exists(file)) {
        return read(file);
      }
      Path directory = file.toAbsolutePath().getParent();
      Files.createDirectories(directory);
      Path draft = Files.createTempFile(directory, file.getFileName().toString(), ".new");
      try {
        restrictToOwner(draft);
        Files.writeString(draft, newKey.get().toJSONString(), StandardCharsets.UTF_8);
        try {
          // A link, not a move: rename(2) would replace a key another replica wrote meanwhile.
          Files.createLink(file, draft);
        } catch (FileAlreadyExistsException e) {
          // another replica was first: its key is the one
        }
      } finally {
        Files.deleteIfExists(draft);
      }
      return read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("The development issuer's key file " + file + " cannot be read or made", e);
    }
  }

  private static RSAKey read(Path file) throws IOException {
    try {
      return RSAKey.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (ParseException e) {
      throw new IllegalStateException("The development issuer's key file " + file + " holds no RSA key (JWK): "
          + e.getMessage(), e);
    }
  }

  private static void restrictToOwner(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's permissions decide
    }
  }
}
