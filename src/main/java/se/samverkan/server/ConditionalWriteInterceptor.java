package se.samverkan.server;

import se.samverkan.server.spi.HookOrder;

import se.samverkan.server.spi.ServerInterceptor;

import se.samverkan.server.edge.MatchUrls;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.ResourceVersionConflictResolutionStrategy;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import com.google.common.util.concurrent.Striped;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.hl7.fhir.r4.model.Bundle;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * The same conditional create or conditional update sent by several clients at once must leave
 * one resource. HAPI's unique index on the match URL catches parallel conditional creates, but
 * not a conditional update that creates: the first client's create is followed by the second
 * client's update, which drops the index row, and a third client that matched nothing before the
 * first commit creates a duplicate. So:
 * <ul>
 *   <li>requests (and transaction entries) with the same condition run one after another in this
 *       server: each condition takes a lock until the request has committed, and gives it up
 *       when the request is done, before its AuditEvent is stored (HookOrder#CONDITION_LOCKS_RELEASED);
 *   <li>a request that still loses HAPI's race (409 "conditional constraint failure") is retried,
 *       runs its condition again and finds the winner — never one that names a version
 *       (If-Match), which must lose with 412;
 *   <li>a delete that names no version is retried likewise. The cause found was the audit log:
 *       before the log had its own store, HAPI stored the AuditEvent of the caller's previous request about the same
 *       resource after that request was answered, and on PostgreSQL a delete that ran into it
 *       failed with 409 "HAPI-0826 version constraint failure" (AuditTest, CI run of 2026-12-06).
 *       The log has its own store since (audit/AuditLog); the retry stays for any other write
 *       that races a delete.
 * </ul>
 * The locks are per server instance; on PostgreSQL each request also takes its conditions' locks
 * in the database ({@link LocksInDatabase}), so that servers sharing one database run
 * them one after another too (issue 21). The embedded H2 database serves one server only.
 */
@Interceptor
public class ConditionalWriteInterceptor implements ServerInterceptor {

  static final int MAX_RETRIES = 3;
  private static final String HELD = ConditionalWriteInterceptor.class.getName() + ".held";
  private static final String HELD_IN_DATABASE = ConditionalWriteInterceptor.class.getName() + ".heldInDatabase";
  private static final long WAIT_SECONDS = 60;

  /**
   * Many stripes, made as needed and dropped when unused: a transaction holds one per conditional
   * entry (a patient's record has ~120), and with 512 stripes two transactions about different
   * patients nearly always shared one, so concurrent ingest ran one transaction at a time.
   */
  private final Striped<Lock> locks = Striped.lazyWeakLock(1 << 20);
  /** The threads holding (or taking) a condition's locks: see {@link #heldByCurrentThread}. */
  private final Set<Thread> holders = ConcurrentHashMap.newKeySet();
  /** The same locks across servers on one database; null on H2. */
  private final LocksInDatabase acrossServers;

  public ConditionalWriteInterceptor(LocksInDatabase acrossServers) {
    this.acrossServers = acrossServers;
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void lockConditions(RequestDetails request) throws InterruptedException {
    Set<String> conditions = conditions(request);
    if (conditions.isEmpty()) {
      return;
    }
    List<Lock> held = new ArrayList<>();
    request.getUserData().put(HELD, held);
    holders.add(Thread.currentThread());
    for (Lock lock : locks.bulkGet(conditions)) { // bulkGet orders the stripes: no deadlock
      if (!lock.tryLock(WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new ResourceVersionConflictException(Messages.english(Message.CONDITION_BUSY));
      }
      held.add(lock);
    }
    if (acrossServers != null) {
      request.getUserData().put(HELD_IN_DATABASE, acrossServers.lock(conditions, WAIT_SECONDS));
    }
  }

  @Hook(value = Pointcut.SERVER_PROCESSING_COMPLETED, order = HookOrder.CONDITION_LOCKS_RELEASED)
  public void unlockConditions(RequestDetails request) {
    if (request.getUserData().remove(HELD_IN_DATABASE) instanceof LocksInDatabase.Held inDatabase) {
      inDatabase.close();
    }
    @SuppressWarnings("unchecked")
    List<Lock> held = (List<Lock>) request.getUserData().remove(HELD);
    if (held != null) {
      for (int i = held.size() - 1; i >= 0; i--) {
        held.get(i).unlock();
      }
      holders.remove(Thread.currentThread());
    }
  }

  /**
   * Whether the calling thread holds a condition's lock now. A request's locks are taken and
   * released on the thread that serves it (RestfulServer#handleRequest calls both pointcuts), so
   * this tells whether work done there — the audit write, HookOrderTest — runs under them.
   */
  public boolean heldByCurrentThread() {
    return holders.contains(Thread.currentThread());
  }

  @Hook(Pointcut.STORAGE_VERSION_CONFLICT)
  public ResourceVersionConflictResolutionStrategy retryWritesThatMayRunAgain(RequestDetails request) {
    ResourceVersionConflictResolutionStrategy strategy = new ResourceVersionConflictResolutionStrategy();
    if (request != null && request.getHeader(Constants.HEADER_IF_MATCH) == null
        && (!conditions(request).isEmpty() || request.getRestOperationType() == RestOperationTypeEnum.DELETE)
        && !(request.getResource() instanceof Bundle bundle
            && bundle.getEntry().stream().anyMatch(entry -> entry.getRequest().hasIfMatch()))) {
      strategy.setRetry(true);
      strategy.setMaxRetries(MAX_RETRIES);
    }
    return strategy;
  }

  /** The conditions of a conditional create or update, or of such transaction entries: Type?criteria. */
  private static Set<String> conditions(RequestDetails request) {
    Set<String> conditions = new LinkedHashSet<>();
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation == RestOperationTypeEnum.CREATE && request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null) {
      conditions.add(normalized(request.getResourceName() + "?" + request.getHeader(Constants.HEADER_IF_NONE_EXIST)));
    } else if (operation == RestOperationTypeEnum.UPDATE && (request.getId() == null || !request.getId().hasIdPart())
        && request.getConditionalUrl(RestOperationTypeEnum.UPDATE) != null) {
      conditions.add(normalized(request.getConditionalUrl(RestOperationTypeEnum.UPDATE)));
    } else if ((operation == RestOperationTypeEnum.TRANSACTION || operation == RestOperationTypeEnum.BATCH)
        && request.getResource() instanceof Bundle bundle) {
      for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
        Bundle.BundleEntryRequestComponent entryRequest = entry.getRequest();
        if (entryRequest.getMethod() == Bundle.HTTPVerb.POST && entryRequest.hasIfNoneExist()) {
          conditions.add(normalized(entryRequest.getUrl() + "?" + entryRequest.getIfNoneExist()));
        } else if (entryRequest.getMethod() == Bundle.HTTPVerb.PUT && entryRequest.getUrl() != null
            && entryRequest.getUrl().contains("?")) {
          conditions.add(normalized(entryRequest.getUrl()));
        }
      }
    }
    return conditions;
  }

  /**
   * One form for the same condition however it was encoded; the resource type first. A malformed
   * one is refused (MatchUrls has done so already, before this interceptor).
   */
  private static String normalized(String condition) {
    String decoded = MatchUrls.decoded(condition, Message.QUERY_MALFORMED_IN_CONDITION);
    return decoded.startsWith("/") ? decoded.substring(1) : decoded;
  }
}
