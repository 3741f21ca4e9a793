package se.samverkan.storage;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Keys under {@code samverkan.storage}.
 *
 * @param schema how the database schema is created and upgraded: {@code migrate} runs HAPI's own
 *     migration tasks at start-up (the same ones as {@code hapi-fhir-cli migrate-database});
 *     {@code none} leaves the schema to an operator who migrates out of band
 * @param allowDelete whether clients may delete resources (history stays; nothing is expunged)
 */
@ConfigurationProperties("samverkan.storage")
public record StorageProperties(SchemaMode schema, Boolean allowDelete) {

  public enum SchemaMode {
    MIGRATE,
    NONE
  }

  public StorageProperties {
    schema = schema == null ? SchemaMode.MIGRATE : schema;
    allowDelete = allowDelete == null ? Boolean.TRUE : allowDelete;
  }
}
