package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.interceptor.api.IBaseInterceptorBroadcaster.IInvoker;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import se.samverkan.server.spi.HookOrder;
import se.samverkan.server.spi.ServerInterceptor;
import se.samverkan.server.spi.StorageInterceptor;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * The hooks that must come first do ({@link HookOrder}): the scope check before profile
 * validation; and every order our
 * interceptors use is one of that table's, with no two ordered hooks of one pointcut left to
 * registration order.
 */
class HookOrderTest extends FhirServerTest {

  @Autowired private IInterceptorService storage;
  @Autowired private RestfulServer server;
  @Autowired private ApplicationContext context;

  // --- The scope check before validation

  @Test
  void aTransactionWithAnEntryTheScopesDoNotAllowAnswers403EvenIfTheEntryBreaksItsProfile() throws Exception {
    String marker = TestPeople.uniqueId();
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Patient patient = TestPeople.patient();
    patient.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
    transaction.addEntry().setResource(patient).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
    transaction.addEntry().setResource(impossibleNews2()).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");

    HttpResponse<String> patientWriter = send("POST", "", json(transaction), "Authorization", patientWriter());
    HttpResponse<String> everyScope = send("POST", "", json(transaction));

    assertThat(patientWriter.statusCode()).as(patientWriter.body()).isEqualTo(403);
    assertThat(everyScope.statusCode()).as("the entry does break its profile").isEqualTo(422);
    assertThat(searchBundle("/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker).getEntry()).isEmpty();
  }

  /** HAPI judges a PATCH by the patched resource, on the storage pointcuts where the profiles are checked. */
  @Test
  void aPatchTheScopesDoNotAllowAnswers403EvenIfThePatchedResourceBreaksItsProfile() throws Exception {
    Observation temperature = fhirContext.newJsonParser().parseResource(Observation.class,
        ProfileExamples.read("observation/examples/Observation-example-body-temperature.json"));
    temperature.setId((String) null);
    String path = "/" + create(temperature).getValue();
    String noSubject = "[{\"op\": \"remove\", \"path\": \"/subject\"}]";

    HttpResponse<String> patientWriter = send("PATCH", path, noSubject,
        "Content-Type", "application/json-patch+json", "Authorization", patientWriter());
    HttpResponse<String> stored = get(path);

    assertThat(patientWriter.statusCode()).as(patientWriter.body()).isEqualTo(403);
    assertThat(parse(Observation.class, stored).hasSubject()).isTrue();
    HttpResponse<String> everyScope = send("PATCH", path, noSubject, "Content-Type", "application/json-patch+json");
    assertThat(everyScope.statusCode()).as("the patched resource does break its profile").isEqualTo(422);
  }

  // --- One table

  @Test
  void everyOrderOnOurInterceptorsAndHooksIsOneOfTheTable() throws Exception {
    Set<Integer> table = table().values().stream().collect(Collectors.toSet());
    List<String> elsewhere = new ArrayList<>();
    for (Class<?> type : ourClasses()) {
      Interceptor interceptor = type.getDeclaredAnnotation(Interceptor.class);
      if (interceptor != null && interceptor.order() != Interceptor.DEFAULT_ORDER && !table.contains(interceptor.order())) {
        elsewhere.add(type.getName() + ": " + interceptor.order());
      }
      for (Method method : type.getDeclaredMethods()) {
        Hook hook = method.getAnnotation(Hook.class);
        if (hook != null && hook.order() != Interceptor.DEFAULT_ORDER && !table.contains(hook.order())) {
          elsewhere.add(type.getName() + "#" + method.getName() + ": " + hook.order());
        }
      }
    }
    assertThat(elsewhere).as("orders not taken from HookOrder").isEmpty();
  }

  @Test
  void theTableIsAscendingAndHasNoZero() throws Exception {
    List<Integer> orders = new ArrayList<>(table().values());
    assertThat(orders).isSorted().doesNotContain(Interceptor.DEFAULT_ORDER);
  }

  /** Hooks with an order of their own meant it: two of them on one pointcut would run by registration order. */
  @Test
  void noTwoOrderedHooksOfOnePointcutShareAnOrder() {
    List<String> ties = new ArrayList<>();
    for (Pointcut pointcut : Pointcut.values()) {
      List<IInvoker> invokers = new ArrayList<>(server.getInterceptorService().getInvokersForPointcut(pointcut));
      invokers.addAll(storage.getInvokersForPointcut(pointcut));
      Map<Integer, Set<Object>> byOrder = new java.util.HashMap<>();
      for (IInvoker invoker : invokers) {
        if (invoker.getOrder() != Interceptor.DEFAULT_ORDER) {
          byOrder.computeIfAbsent(invoker.getOrder(), o -> java.util.Collections.newSetFromMap(new IdentityHashMap<>()))
              .add(invoker.getInterceptor());
        }
      }
      byOrder.forEach((order, interceptors) -> {
        if (interceptors.size() > 1) {
          ties.add(pointcut + " " + order + ": " + interceptors.stream().map(i -> i.getClass().getName()).toList());
        }
      });
    }
    assertThat(ties).isEmpty();
  }

  @Test
  void everyInterceptorBeanIsRegisteredWhereItsMarkerSays() {
    List<Object> onTheEndpoint = server.getInterceptorService().getAllRegisteredInterceptors();
    List<Object> onTheStorage = storage.getAllRegisteredInterceptors();
    for (ServerInterceptor interceptor : context.getBeansOfType(ServerInterceptor.class).values()) {
      assertThat(onTheEndpoint).as(interceptor.toString()).anyMatch(registered -> registered == interceptor.hooks());
      assertThat(onTheStorage).as(interceptor.toString()).noneMatch(registered -> registered == interceptor.hooks());
    }
    for (StorageInterceptor interceptor : context.getBeansOfType(StorageInterceptor.class).values()) {
      assertThat(onTheStorage).as(interceptor.toString()).anyMatch(registered -> registered == interceptor);
      assertThat(onTheEndpoint).as(interceptor.toString()).noneMatch(registered -> registered == interceptor);
    }
  }

  // --- Helpers

  /** The constants of HookOrder, in the order they are written. */
  private static Map<String, Integer> table() throws IllegalAccessException {
    Map<String, Integer> table = new java.util.LinkedHashMap<>();
    for (Field field : HookOrder.class.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
        table.put(field.getName(), field.getInt(null));
      }
    }
    return table;
  }

  /** Every main class under se.samverkan (not the tests). */
  private static List<Class<?>> ourClasses() throws Exception {
    Path classes = Path.of(HookOrder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes.resolve("se/samverkan"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = classes.relativize(file).toString().replace(".class", "").replace('/', '.');
        found.add(Class.forName(name, false, HookOrder.class.getClassLoader()));
      }
    }
    assertThat(found).as("classes scanned").hasSizeGreaterThan(50);
    return found;
  }

  private String patientWriter() {
    return "Bearer " + tokens.token("hook-order-patient-writer", TestTokens.HOSPITAL, TestTokens.REGION,
        "journal-system", "system/Patient.read system/Patient.write");
  }

  /** The NEWS2 example with a temperature score of 4: no parameter scores above 3 (ProfileEnforcementTest). */
  private Observation impossibleNews2() throws Exception {
    Observation news2 = fhirContext.newJsonParser().parseResource(Observation.class,
        ProfileExamples.read("observation/examples/Observation-example-news2.json"));
    news2.setId((String) null);
    news2.getComponent().stream()
        .filter(component -> "news2-temperature".equals(component.getCode().getCodingFirstRep().getCode()))
        .forEach(component -> component.setValue(new IntegerType(4)));
    return news2;
  }
}
