package se.samverkan.storage;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Keys under {@code samverkan.storage}. Each default is the {@link DefaultValue} below and nowhere
 * else. {@code samverkan.storage.h2-file} is not here: the datasource URL in
 * {@code application.yaml} reads it, so its default is written there.
 *
 * @param schema how the database schema is created and upgraded: {@code migrate} runs HAPI's own
 *     migration tasks at start-up (the same ones as {@code hapi-fhir-cli migrate-database});
 *     {@code none} leaves the schema to an operator who migrates out of band
 * @param allowDelete whether clients may delete resources (history stays; nothing is expunged)
 * @param parsedVersionsMib heap, in MiB (an estimate), for stored versions kept parsed across
 *     requests so that a version read again is copied instead of parsed (ParsedVersions); 0 turns it off
 * @param cacheRefresh how often the active Subscriptions and SearchParameters this server holds in
 *     memory are compared with the database, so that what another replica stored is seen
 *     (CachesFollowOtherServers); 0 leaves it to HAPI, once a minute
 */
@ConfigurationProperties("samverkan.storage")
public record StorageProperties(
    @DefaultValue("migrate") SchemaMode schema, @DefaultValue("true") Boolean allowDelete,
    @DefaultValue("64") Integer parsedVersionsMib, @DefaultValue("5s") Duration cacheRefresh) {

  public enum SchemaMode {
    MIGRATE,
    NONE
  }
}
