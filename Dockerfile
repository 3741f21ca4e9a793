# Samverkan server image: built from source with the Maven wrapper, run on a JRE only.
# Build and run it with `docker compose up` (see docker-compose.yml and the README).

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# Dependencies first, so that a code change does not download them again.
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
COPY profiles profiles
# The image build packages only; the test suite runs in CI (.ci/run), against H2 and PostgreSQL.
RUN ./mvnw -B -q package -DskipTests && cp target/samverkan-*.jar /samverkan.jar

FROM eclipse-temurin:17-jre
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /opt/samverkan samverkan \
    && mkdir -p /opt/samverkan/data /opt/samverkan/keys \
    && chown samverkan /opt/samverkan/data /opt/samverkan/keys
# The development token issuer the README's compose walk-through takes tokens from is not in the
# jar (src/dev/java, see pom.xml): its classes and Spring Authorization Server sit beside it, on the
# classpath after the jar's. It is off as soon as an issuer is configured.
COPY --from=build /src/target/dev-classes /opt/samverkan/dev/classes
COPY --from=build /src/target/dev-lib /opt/samverkan/dev/lib
# The jar extracted, with a class-data-sharing archive made by this image's java where the server
# runs: a start on a populated database about a third sooner than the fat jar's (docs/performance.md,
# step 13).
COPY --from=build /samverkan.jar /tmp/samverkan.jar
COPY tools/prepare-start /usr/local/bin/prepare-start
RUN prepare-start /tmp/samverkan.jar /opt/samverkan/app "/opt/samverkan/dev/classes:/opt/samverkan/dev/lib/*" \
    && rm /tmp/samverkan.jar
USER samverkan
WORKDIR /opt/samverkan
EXPOSE 8080
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["/opt/samverkan/app/start.sh"]
