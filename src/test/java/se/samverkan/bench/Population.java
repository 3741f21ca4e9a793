package se.samverkan.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The server ids of what was ingested that the queries need: every Patient with its personnummer
 * and every Organization by HSA-id, taken from the transaction answers (entry i of the answer is
 * entry i of the request). Kept in a file between the ingest and the query runs:
 * {@code Patient<TAB>id<TAB>personnummer} and {@code Organization<TAB>id<TAB>hsa-id} lines.
 */
final class Population {

  record PatientId(String id, String personnummer) {}

  private final ConcurrentLinkedQueue<PatientId> patients = new ConcurrentLinkedQueue<>();
  private final Map<String, String> organizations = new ConcurrentHashMap<>();

  void addPatient(String id, String personnummer) {
    patients.add(new PatientId(id, personnummer));
  }

  void addOrganization(String id, String hsaId) {
    organizations.put(hsaId, id);
  }

  /** In personnummer order, so a seeded pick is the same person whatever order ingest took. */
  List<PatientId> patients() {
    List<PatientId> sorted = new ArrayList<>(patients);
    sorted.sort(Comparator.comparing(PatientId::personnummer));
    return sorted;
  }

  /** The server id of the Organization with that HSA-id. */
  String organization(String hsaId) {
    String id = organizations.get(hsaId);
    if (id == null) {
      throw new IllegalStateException("Organization " + hsaId + " was not ingested");
    }
    return id;
  }

  Map<String, String> organizations() {
    return new TreeMap<>(organizations);
  }

  void write(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    patients().forEach(p -> lines.add("Patient\t" + p.id() + "\t" + p.personnummer()));
    organizations().forEach((hsa, id) -> lines.add("Organization\t" + id + "\t" + hsa));
    Files.write(file, lines);
  }

  static Population read(Path file) throws IOException {
    Population population = new Population();
    for (String line : Files.readAllLines(file)) {
      String[] f = line.split("\t");
      if (f[0].equals("Patient")) {
        population.addPatient(f[1], f[2]);
      } else if (f[0].equals("Organization")) {
        population.addOrganization(f[1], f[2]);
      }
    }
    return population;
  }
}
