package se.samverkan.storage;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.SchemaMigrator;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the database schema to the version this HAPI release expects, using HAPI's own migration
 * tasks: the same code path as {@code hapi-fhir-cli migrate-database}, recorded in the table
 * {@value SchemaMigrator#HAPI_FHIR_MIGRATION_TABLENAME} and guarded by HAPI's migration lock so
 * that two replicas starting together do not migrate twice. Hibernate never alters the schema.
 */
public final class SchemaMigration {

  private static final Logger log = LoggerFactory.getLogger(SchemaMigration.class);

  private SchemaMigration() {}

  public static void run(DataSource dataSource) {
    DriverTypeEnum driverType = driverTypeOf(dataSource);
    HapiMigrator migrator =
        new HapiMigrator(SchemaMigrator.HAPI_FHIR_MIGRATION_TABLENAME, dataSource, driverType);
    migrator.addTasks(new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()));
    migrator.createMigrationTableIfRequired();
    long start = System.nanoTime();
    MigrationResult result = migrator.migrate();
    log.info(
        "Database schema is current ({} on {}): {} migration tasks applied in {} ms",
        SchemaMigrator.HAPI_FHIR_MIGRATION_TABLENAME,
        driverType,
        result.succeededTasks.size(),
        (System.nanoTime() - start) / 1_000_000);
  }

  static DriverTypeEnum driverTypeOf(DataSource dataSource) {
    try (Connection connection = dataSource.getConnection()) {
      String product = connection.getMetaData().getDatabaseProductName();
      return switch (product) {
        case "H2" -> DriverTypeEnum.H2_EMBEDDED;
        case "PostgreSQL" -> DriverTypeEnum.POSTGRES_9_4;
        default -> throw new IllegalStateException(
            "Samverkan runs on H2 or PostgreSQL, not on " + product);
      };
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot connect to the database: " + e.getMessage(), e);
    }
  }
}
