package se.samverkan.server.spi;

/**
 * The order of hooks whose place among others matters, each with the reason. HAPI calls the hooks
 * of one pointcut from the lowest order up; hooks of equal order run in the order their
 * interceptors were registered, that is in Spring's bean order, which no one chooses on purpose
 * (BaseInterceptorService, HAPI 8.8). A {@code @Hook} without an order takes its interceptor's
 * {@code @Interceptor(order)}; an explicit order of 0 cannot be told from none.
 */
public final class HookOrder {

  private HookOrder() {}

  /**
   * {@code server.errors.ErrorTranslation} on {@code SERVER_PRE_PROCESS_OUTGOING_EXCEPTION}: last.
   * HAPI takes the first non-null answer of that pointcut and calls no hook after it
   * (BaseInterceptorService#callInvokers, 8.8), and the translation answers nearly everything
   * (its last rule turns any other failure into a 500): a hook after it would never see a failure.
   * Rules that answer particular exceptions their own way (access) come before it; the order of
   * the translation's own rules is a list in that class, not an order here.
   */
  public static final int ERROR_TRANSLATION = 1000;

  /**
   * {@code access.HiddenAsAbsentInterceptor}'s answers to failures (a delete refused because of a
   * referrer the caller may not see; HAPI's 404 and 410 texts): just before
   * {@link #ERROR_TRANSLATION}, so that what a caller may not see is decided on the exception as
   * it was thrown, before any translation could copy its text into another answer (the 409 to 412
   * translation repeats the conflict's message, which for a delete names the referrer). Today the
   * two answer disjoint failures (404, 410 and a delete's 409 here; outage, stale-version 409 and
   * failures answered 400 or 500 there), so the order changes no answer; it makes sure the access
   * rule is always consulted, which after the translation it would not be.
   */
  public static final int HIDDEN_AS_ABSENT_ANSWERS = ERROR_TRANSLATION - 1;
}
