package se.samverkan.server;

import com.google.common.util.concurrent.Striped;
import java.util.concurrent.locks.Lock;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import se.samverkan.server.spi.LocksAcrossServers;

/**
 * {@link LocksAcrossServers} for the embedded H2 database, which serves one server: the other
 * holders are this process's threads. A lock until the transaction ends is released when Spring
 * completes the transaction, in the thread that took it.
 */
final class LocksInProcess implements LocksAcrossServers {

  private final Striped<Lock> locks = Striped.lazyWeakLock(1 << 16);

  @Override
  public void alone(String name, Runnable work) {
    Lock lock = locks.get(name);
    lock.lock();
    try {
      work.run();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean ifFree(String name, Runnable work) {
    Lock lock = locks.get(name);
    if (!lock.tryLock()) {
      return false;
    }
    try {
      work.run();
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void untilTransactionEnds(String name) {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      throw new IllegalStateException("A lock until the transaction ends needs a transaction");
    }
    Lock lock = locks.get(name);
    lock.lock();
    TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
      @Override
      public void afterCompletion(int status) {
        lock.unlock();
      }
    });
  }
}
